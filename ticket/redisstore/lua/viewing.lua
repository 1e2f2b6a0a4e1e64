-- viewing: who has a ticket open now (the ticket page's presence).
-- KEYS[1] the ticket's viewers key: a sorted set of user → until (ms, by
-- Redis's clock)
-- ARGV: 1 base, 2 ticket id, 3 the user who has it open, or '' to only read,
-- 4 how long the user counts as viewing (ms).
-- The key expires with its last viewer. Returns the ticket's assignee ('' for
-- none), then the names whose time has not run out, in name order. Errors:
-- NOTFOUND for no such ticket.
local f = redis.call('HMGET', tkey(ARGV[2]), 'status', 'assignee')
if not f[1] then return redis.error_reply('NOTFOUND ticket ' .. ARGV[2]) end
local now = clock()
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if ARGV[3] ~= '' then
  local ttl = tonumber(ARGV[4])
  redis.call('ZADD', KEYS[1], now + ttl, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], ttl)
end
local names = redis.call('ZRANGE', KEYS[1], 0, -1)
table.sort(names)
table.insert(names, 1, f[2] or '')
return names
