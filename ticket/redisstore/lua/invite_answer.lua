-- invite_answer: record a customer's answer to an invitation — its state and
-- an event invitation_STATE on its ticket (where it is now, after merges) —
-- once per source key, and only when it is not older than the answer
-- recorded (RFC 5546 §2.1.5: the latest DTSTAMP counts).
-- KEYS[1] base..'invite:'..UID; ARGV: 1 base, 2 uid, 3 source key, 4 state,
-- 5 stamp ms (0: unknown), 6 by, 7 detail.
-- Returns 1 when it recorded the answer, 0 when not.
if redis.call('EXISTS', KEYS[1]) == 0 then return redis.error_reply('NOTFOUND invitation ' .. ARGV[2]) end
if known(ARGV[3]) then return 0 end
local f = redis.call('HMGET', KEYS[1], 'ticket', 'stamp')
local tid = follow(f[1])
local now_ms, now_rfc = clock()
local stamp = tonumber(ARGV[5]) or 0
redis.call('HSET', base .. 'sources', ARGV[3], tid .. ' invite')
if f[2] and stamp > 0 and stamp < (tonumber(f[2]) or 0) then return 0 end
redis.call('HSET', KEYS[1], 'state', ARGV[4], 'answered', now_ms, 'stamp', ARGV[5])
if redis.call('EXISTS', tkey(tid)) == 1 then
  redis.call('HSET', tkey(tid), 'updated', now_ms)
  event(tid, now_rfc, 'invitation_' .. ARGV[4], ARGV[6], ARGV[7])
end
return 1
