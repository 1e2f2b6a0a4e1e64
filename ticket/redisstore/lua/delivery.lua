-- delivery: record what the world says about an outbound message (a bounce:
-- failed; a delivery report: delivered), or put it back in the outbox
-- (queued, at once).
-- KEYS[1] the ticket's key
-- ARGV: 1 base, 2 ticket id, 3 message id (m2), 4 state, 5 detail, 6 by.
-- A message that moved with a merge gets it where it is now.
local tid, mid = follow(ARGV[2], ARGV[3])
local k = tkey(tid)
local seq = redis.call('HGET', k, 'msgseq')
if not seq then return redis.error_reply('NOTFOUND ticket ' .. ARGV[2]) end
local n = tonumber(string.sub(mid, 2))
if string.sub(mid, 1, 1) ~= 'm' or not n or n < 1 or n > tonumber(seq) then
  return redis.error_reply('NOTFOUND message ' .. ARGV[3] .. ' on ticket ' .. ARGV[2])
end
local now, now_rfc = clock()
local d = outbox_entry(tid, mid) or {}
d.delivery, d.detail, d.at = ARGV[4], ARGV[5], now_rfc
d.hold, d.lease, d.cut, d.next = nil, nil, nil, nil
save_outbox_entry(tid, mid, d)
redis.call('HSET', k, 'updated', now)
local ref = tid .. ' ' .. mid
if ARGV[4] == 'queued' then
  redis.call('ZADD', base .. 'outbox', now, ref)
else
  redis.call('ZREM', base .. 'outbox', ref)
end
local detail = outbound_name(tid, mid) .. ': ' .. ARGV[4]
if ARGV[5] ~= '' then detail = detail .. ' (' .. ARGV[5] .. ')' end
event(tid, now_rfc, 'delivery', ARGV[6], detail)
return 1
