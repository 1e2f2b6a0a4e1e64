-- hook_revive: send a hook's given-up (dead) events again: each goes back
-- to the end of its ticket's list for the hook, with a new day of retries
-- from now, and the dead list is emptied of them.
-- KEYS[1] base..'hook:'..HOOK..':dead'
-- ARGV: 1 base, 2 hook id, 3 at most how many.
-- Returns how many went back.
local hook = ARGV[2]
local now = clock()
local n = 0
for _ = 1, tonumber(ARGV[3]) do
  local raw = redis.call('RPOP', KEYS[1]) -- oldest first
  if not raw then break end
  local ok, d = pcall(cjson.decode, raw)
  if ok and type(d) == 'table' and type(d.entry) == 'string' and d.ticket
    and redis.call('EXISTS', tkey(d.ticket)) == 1 then
    local ok2, e = pcall(cjson.decode, d.entry)
    if ok2 and type(e) == 'table' then
      e.ms = now
      redis.call('RPUSH', tkey(d.ticket) .. ':hook:' .. hook, cjson.encode(e))
      redis.call('ZADD', base .. 'hook:' .. hook .. ':due', 'NX', 0, d.ticket)
      n = n + 1
    end
  end
end
return n
