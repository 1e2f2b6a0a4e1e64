-- claim: give the next waiting ticket of one or more queues to an assistant
-- under a lease: the most urgent head among them (queue scores order by
-- priority, then age, and compare across queues). Expired leases are returned
-- to their queues first, so a ticket abandoned by one assistant is the next
-- one's to take, and snoozes and call-backs come due are woken.
-- KEYS: base..'queue:'..Q for each queue
-- ARGV: 1 base, 2 assistant, 3 now ms, 4 now RFC 3339, 5 lease expiry ms.
-- Returns the claimed ticket as get does, or false when nobody waits.
expire_leases(ARGV[3], ARGV[4], 100)
wake_due(ARGV[3], ARGV[4], 100)
local best, best_score
for _, q in ipairs(KEYS) do
  local head = redis.call('ZRANGE', q, 0, 0, 'WITHSCORES')
  if #head > 0 and (not best_score or tonumber(head[2]) < best_score) then
    best, best_score = q, tonumber(head[2])
  end
end
if not best then return false end
local head = redis.call('ZPOPMIN', best)
local id = head[1]
local queue = redis.call('HGET', tkey(id), 'queue')
redis.call('SADD', best .. ':active', id)
redis.call('HDEL', tkey(id), 'head')
redis.call('HSET', tkey(id), 'status', 'open', 'assignee', ARGV[2], 'lease', ARGV[5], 'updated', ARGV[3])
redis.call('ZADD', base .. 'leases', ARGV[5], id)
index_assignee(id, '', ARGV[2], 'open')
event(id, ARGV[4], 'assigned', ARGV[2], 'taken from queue ' .. (queue or ''))
return read_ticket(tkey(id))
