-- claim: give the next waiting ticket of a queue to an assistant under a lease.
-- Expired leases are returned to their queues first, so a ticket abandoned by
-- one assistant is the next one's to take.
-- KEYS[1] base..'queue:'..Q
-- ARGV: 1 base, 2 queue, 3 assistant, 4 now ms, 5 now RFC 3339, 6 lease expiry ms.
-- Returns the claimed ticket as get does, or false when the queue is empty.
expire_leases(ARGV[4], ARGV[5], 100)
local head = redis.call('ZPOPMIN', KEYS[1])
if #head == 0 then return false end
local id = head[1]
redis.call('SADD', KEYS[1] .. ':active', id)
redis.call('HSET', tkey(id), 'status', 'open', 'assignee', ARGV[3], 'lease', ARGV[6], 'updated', ARGV[4])
redis.call('ZADD', base .. 'leases', ARGV[6], id)
index_assignee(id, '', ARGV[3], 'open')
event(id, ARGV[5], 'assigned', ARGV[3], 'claimed from queue ' .. ARGV[2])
return read_ticket(tkey(id))
