-- outbox_settle: move an outbound message a delivery worker holds on.
-- KEYS[1] the ticket's key
-- ARGV: 1 base, 2 ticket id, 3 message id, 4 hold, 5 state (sending | sent |
-- failed | unknown | queued), 6 detail, 7 retry in ms (queued), 8 by.
-- sending: the last step before the message is handed to the server; only
-- from queued, so that of two workers holding it only one sends. It keeps the
-- hold and the lease. sent, failed, unknown: settled, out of the outbox. queued: back
-- in the outbox, due after the retry delay. Every step checks the hold, so a
-- worker whose lease ran out and whose message another worker took settles
-- nothing (CONFLICT).
local tid, mid, state = ARGV[2], ARGV[3], ARGV[5]
if redis.call('EXISTS', KEYS[1]) == 0 then return redis.error_reply('NOTFOUND ticket ' .. tid) end
local d = outbox_entry(tid, mid)
if not d then return redis.error_reply('NOTFOUND outbound message ' .. mid .. ' on ticket ' .. tid) end
-- A worker whose send outlived its lease (the message was marked unknown
-- meanwhile) may still say how it ended.
local late = d.delivery == 'unknown' and d.cut == ARGV[4] and (state == 'sent' or state == 'failed' or state == 'unknown')
if d.hold ~= ARGV[4] and not late then
  return redis.error_reply('CONFLICT message ' .. mid .. ' of ticket ' .. tid .. ' is no longer held by this worker')
end
if state == 'sending' and d.delivery == 'sending' then
  return 1 -- recorded already: a retry after the answer was lost
end
if state == 'sending' and d.delivery ~= 'queued' then
  return redis.error_reply('CONFLICT message ' .. mid .. ' of ticket ' .. tid .. ' is ' .. tostring(d.delivery) .. ', not queued')
end
local now, now_rfc = clock()
local ref = tid .. ' ' .. mid
d.delivery, d.detail, d.at = state, ARGV[6], now_rfc
if state == 'sending' then
  save_outbox_entry(tid, mid, d)
  return 1
end
d.hold, d.lease, d.cut = nil, nil, nil
local name = outbound_name(tid, mid)
if state == 'queued' then
  local at = now + tonumber(ARGV[7])
  d.next = at
  save_outbox_entry(tid, mid, d)
  redis.call('ZADD', base .. 'outbox', at, ref)
  event(tid, now_rfc, 'delivery', ARGV[8], name .. ': not sent yet, will try again: ' .. ARGV[6])
elseif state == 'sent' or state == 'failed' or state == 'unknown' then
  d.next = nil
  save_outbox_entry(tid, mid, d)
  redis.call('ZREM', base .. 'outbox', ref)
  local detail = name .. ': ' .. state
  if ARGV[6] ~= '' then detail = detail .. ' (' .. ARGV[6] .. ')' end
  event(tid, now_rfc, 'delivery', ARGV[8], detail)
else
  return redis.error_reply('ERR unknown delivery state ' .. state)
end
redis.call('HSET', KEYS[1], 'updated', now)
return 1
