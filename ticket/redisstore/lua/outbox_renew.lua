-- outbox_renew: extend the lease of an outbound message its worker still
-- holds (queued and taken, or sending), by Redis's clock.
-- KEYS[1] the ticket's key
-- ARGV: 1 base, 2 ticket id, 3 message id, 4 hold, 5 lease ms.
local tid, mid = ARGV[2], ARGV[3]
local d = outbox_entry(tid, mid)
if not d or d.hold ~= ARGV[4] then
  return redis.error_reply('CONFLICT message ' .. mid .. ' of ticket ' .. tid .. ' is no longer held by this worker')
end
local now = clock()
d.lease = now + tonumber(ARGV[5])
save_outbox_entry(tid, mid, d)
redis.call('ZADD', base .. 'outbox', d.lease, tid .. ' ' .. mid)
return 1
