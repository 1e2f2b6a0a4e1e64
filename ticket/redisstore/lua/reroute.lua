-- reroute: move a ticket to another queue and priority with a new tag list,
-- as the rules route it again or a person changes it.
-- KEYS[1] the ticket's key
-- ARGV: 1 base, 2 ticket id, 3 queue, 4 priority, 5 tags JSON (the whole new
-- list), 6 now ms, 7 now RFC 3339, 8 by, 9 detail, 10 event type (routed,
-- changed).
local f = redis.call('HMGET', KEYS[1], 'status', 'queue', 'priority', 'created')
if not f[1] then return redis.error_reply('NOTFOUND ticket ' .. ARGV[2]) end
local id, status, old = ARGV[2], f[1], f[2]
local oq = base .. 'queue:' .. old
redis.call('ZREM', oq, id)
redis.call('SREM', oq .. ':active', id)
local due = redis.call('ZSCORE', oq .. ':sla', id)
redis.call('ZREM', oq .. ':sla', id)
redis.call('HSET', KEYS[1], 'queue', ARGV[3], 'priority', ARGV[4], 'tags', ARGV[5], 'updated', ARGV[6])
place(id, ARGV[3], status, ARGV[4], f[4])
if due then redis.call('ZADD', base .. 'queue:' .. ARGV[3] .. ':sla', due, id) end
event(id, ARGV[7], ARGV[10], ARGV[8], ARGV[9])
return 1
