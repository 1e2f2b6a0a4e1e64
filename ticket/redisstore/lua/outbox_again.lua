-- outbox_again: send an outbound message again that ended failed or unknown:
-- a person's "Send again", or a dead send put back from the dead list.
-- KEYS[1] the ticket's key
-- ARGV: 1 base, 2 ticket id, 3 message id, 4 by.
-- Returns 1 when it was put back in the outbox, due now, its tries counted
-- afresh; 0 when it is already queued or being sent (a second click: it goes
-- once). CONFLICT when it was sent or delivered: nothing to send again.
local tid, mid = follow(ARGV[2], ARGV[3])
if redis.call('EXISTS', tkey(tid)) == 0 then return redis.error_reply('NOTFOUND ticket ' .. ARGV[2]) end
local d = outbox_entry(tid, mid)
if not d then return redis.error_reply('NOTFOUND outbound message ' .. ARGV[3] .. ' on ticket ' .. ARGV[2]) end
if d.delivery == 'queued' or d.delivery == 'sending' then return 0 end
if d.delivery ~= 'failed' and d.delivery ~= 'unknown' then
  return redis.error_reply('CONFLICT message ' .. mid .. ' of ticket ' .. tid .. ' is ' .. tostring(d.delivery) .. '; only a failed or unknown message is sent again')
end
local now, now_rfc = clock()
local was = d.delivery
d.delivery, d.detail, d.at = 'queued', 'sent again by ' .. ARGV[4] .. ' (it was ' .. was .. ')', now_rfc
d.attempts, d.first, d.next = 0, now, now
d.hold, d.lease, d.cut = nil, nil, nil
save_outbox_entry(tid, mid, d)
redis.call('ZADD', base .. 'outbox', now, tid .. ' ' .. mid)
redis.call('HSET', tkey(tid), 'updated', now)
event(tid, now_rfc, 'delivery', ARGV[4], outbound_name(tid, mid) .. ': sent again (it was ' .. was .. ')')
return 1
