-- callbacks: the call-backs planned between two times, for the board.
-- KEYS[1] base..'callbacks'; ARGV: 1 base, 2 from ms, 3 to ms, 4 limit.
-- Returns {fields1, customer1, …}: each ticket whose last planned call-back
-- (cb_at) is the one listed.
local out = {}
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[2], ARGV[3], 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[4]))
for i = 1, #ids, 2 do
  local all = redis.call('HGETALL', tkey(ids[i]))
  local cb
  for j = 1, #all, 2 do if all[j] == 'cb_at' then cb = all[j + 1] end end
  if cb and tonumber(cb) == tonumber(ids[i + 1]) then
    table.insert(out, all)
    table.insert(out, customer_of(all))
  end
end
return out
