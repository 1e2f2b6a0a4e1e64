-- feedback: record a customer's answer to "Was this helpful?" on a ticket:
-- an event feedback_good or feedback_bad (detail: the comment), counted in
-- the daily report of the day it was first given, in the ticket's queue and
-- channel then. A later answer within the window replaces it (the counters
-- move with it); after the window it is refused.
-- KEYS[1] the ticket's key
-- ARGV: 1 base, 2 ticket id, 3 now ms, 4 now RFC 3339, 5 good | bad,
-- 6 comment, 7 window ms.
-- Returns 1 when recorded, 0 when the same answer was there already.
local k, now = KEYS[1], tonumber(ARGV[3])
local f = redis.call('HMGET', k, 'status', 'feedback', 'feedback_at', 'feedback_day', 'feedback_qc', 'feedback_comment',
  'queue', 'channel')
if not f[1] then return redis.error_reply('NOTFOUND ticket ' .. ARGV[2]) end
if f[2] and now - tonumber(f[3]) > tonumber(ARGV[7]) then
  return redis.error_reply('CONFLICT the answer on ticket ' .. ARGV[2] .. ' can no longer be changed')
end
if f[2] == ARGV[5] and (f[6] or '') == ARGV[6] then return 0 end

-- Reads and checks done; from here on only writes that cannot fail.
local day, qc = f[4], f[5]
if not f[2] then
  day, qc = report_day(now), f[7] .. '|' .. (f[8] or '')
  redis.call('HSET', k, 'feedback_at', now, 'feedback_day', day, 'feedback_qc', qc)
end
local rk = base .. 'report:day:' .. day
if f[2] and f[2] ~= ARGV[5] then redis.call('HINCRBY', rk, qc .. '|feedback_' .. f[2], -1) end
if f[2] ~= ARGV[5] then redis.call('HINCRBY', rk, qc .. '|feedback_' .. ARGV[5], 1) end
if f[2] ~= ARGV[5] then report_changed(rk) end
redis.call('HSET', k, 'feedback', ARGV[5], 'feedback_comment', ARGV[6])
event(ARGV[2], ARGV[4], 'feedback_' .. ARGV[5], 'customer', ARGV[6])
return 1
