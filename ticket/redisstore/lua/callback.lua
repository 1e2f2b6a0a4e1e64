-- callback: plan a call-back on a ticket, or cancel the one planned. At its
-- time wake_due puts the ticket at the head of its queue with a
-- callback_due event, its note in the detail. Until then the ticket stays as
-- it is; a call-back replaces a snooze (it comes back then instead).
-- callbacks (a sorted set by time) lists planned call-backs for the board,
-- for two days after their time; the ticket keeps the last one planned in
-- cb_at, cb_note and cb_by.
-- KEYS[1] the ticket's key
-- ARGV: 1 base, 2 ticket id, 3 at ms ('' cancels), 4 at RFC 3339, 5 note,
-- 6 by, 7 now ms, 8 now RFC 3339.
local id, at, by = ARGV[2], ARGV[3], ARGV[6]
local f = redis.call('HMGET', KEYS[1], 'status', 'merged_into', 'wake_kind', 'cb_at')
if not f[1] then return redis.error_reply('NOTFOUND ticket ' .. id) end
if f[2] and f[2] ~= '' then
  return redis.error_reply('CONFLICT ticket ' .. id .. ' was merged into #' .. f[2])
end
local index = base .. 'callbacks'
if at == '' then
  if not f[4] then return 0 end
  if f[3] == 'callback' then unwake(id) end
  redis.call('ZREM', index, id)
  redis.call('HDEL', KEYS[1], 'cb_at', 'cb_note', 'cb_by')
  event(id, ARGV[8], 'callback_cancelled', by, '')
  return 1
end
if f[1] == 'closed' then
  return redis.error_reply('CONFLICT ticket ' .. id .. ' is closed; reopen it to plan a call-back')
end
unwake(id)
redis.call('HSET', KEYS[1], 'wake_at', at, 'wake_kind', 'callback', 'wake_by', by, 'wake_note', ARGV[5],
  'cb_at', at, 'cb_note', ARGV[5], 'cb_by', by, 'updated', ARGV[7])
redis.call('ZADD', base .. 'wakes', at, id)
redis.call('ZADD', index, at, id)
redis.call('ZREMRANGEBYSCORE', index, '-inf', tonumber(ARGV[7]) - 2 * 86400000)
local detail = 'at ' .. ARGV[4]
if ARGV[5] ~= '' then detail = detail .. ': ' .. ARGV[5] end
event(id, ARGV[8], 'callback_planned', by, detail)
return 1
