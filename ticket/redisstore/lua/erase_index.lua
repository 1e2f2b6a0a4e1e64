-- erase_index: how erasing a ticket (erase.lua) also takes it out of the
-- indexes other parts of frontdesk keep in the desk's hash slot. It runs
-- inside erase.lua after its reads and checks, so it must not fail, and it
-- only touches keys under base.
--
-- The search index: the ticket's postings and term list, and the words of
-- terms (cut in Go from the ticket, as the index was) that no other ticket
-- has leave the term dictionary (search_drop, search.lua).
--
-- Appointments: an invitation (invite:UID) holds the customer's address and
-- the appointment's words; the ticket's messages name theirs (meta
-- invite_uid).
--
-- The outgoing webhooks: events not yet delivered hold a snapshot of the
-- ticket and its customer (ticket:ID:hook:HOOK), and the ticket's place in
-- each hook's due set, and its events given up on (hook:HOOK:dead), which
-- would otherwise keep the snapshot and could be sent again (hook_revive).
-- The hooks are those registered now, those registered before
-- (hooks:retired: their events wait for them) and those with a delivery
-- state on the ticket.
-- hook_drop_dead takes ticket id's events out of hook's dead list (at most
-- 1,000 entries). The nested entry is a JSON string, its quotes escaped, so
-- only the top-level ticket field can match the plain search.
local function hook_drop_dead(hook, id)
  local k = base .. 'hook:' .. hook .. ':dead'
  local mark = '"ticket":"' .. id .. '"'
  for _, raw in ipairs(redis.call('LRANGE', k, 0, -1)) do
    if string.find(raw, mark, 1, true) then redis.call('LREM', k, 0, raw) end
  end
end

local function erase_ticket_index(id, terms)
  search_drop(id, terms)
  local hk = base .. 'ticket:' .. id .. ':hooks'
  local hooks = {}
  for _, h in ipairs(redis.call('HKEYS', base .. 'hooks')) do hooks[h] = true end
  for _, h in ipairs(redis.call('SMEMBERS', base .. 'hooks:retired')) do hooks[h] = true end
  for _, f in ipairs(redis.call('HKEYS', hk)) do
    if f ~= 'seq' and f ~= 'closed' then hooks[f] = true end
  end
  for hook in pairs(hooks) do
    redis.call('DEL', base .. 'ticket:' .. id .. ':hook:' .. hook)
    redis.call('ZREM', base .. 'hook:' .. hook .. ':due', id)
    hook_drop_dead(hook, id)
  end
  redis.call('DEL', hk)
  for _, raw in ipairs(redis.call('LRANGE', base .. 'ticket:' .. id .. ':messages', 0, -1)) do
    local ok, m = pcall(cjson.decode, raw)
    local uid = ok and type(m) == 'table' and type(m.meta) == 'table' and m.meta.invite_uid
    if type(uid) == 'string' and uid ~= '' then
      redis.call('DEL', base .. 'invite:' .. uid)
      redis.call('ZREM', base .. 'invites', uid)
    end
  end
end
