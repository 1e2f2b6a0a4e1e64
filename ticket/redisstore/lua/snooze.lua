-- snooze: set a ticket aside until a time. It is pending (and keeps its
-- assignee) until then; then wake_due puts it at the head of its queue. A
-- customer's new message ends the snooze early (append_message), and so does
-- a change of status or a release by hand (change). Snoozing again moves the
-- time.
-- KEYS[1] the ticket's key
-- ARGV: 1 base, 2 ticket id, 3 until ms, 4 until RFC 3339, 5 by, 6 now ms,
-- 7 now RFC 3339.
local id, by = ARGV[2], ARGV[5]
local f = redis.call('HMGET', KEYS[1], 'status', 'queue', 'priority', 'created', 'assignee', 'merged_into', 'wake_kind')
if not f[1] then return redis.error_reply('NOTFOUND ticket ' .. id) end
if f[6] and f[6] ~= '' then
  return redis.error_reply('CONFLICT ticket ' .. id .. ' was merged into #' .. f[6])
end
if f[1] == 'closed' then
  return redis.error_reply('CONFLICT ticket ' .. id .. ' is closed; reopen it to snooze it')
end
if f[7] == 'callback' then
  return redis.error_reply('CONFLICT ticket ' .. id .. ' has a call-back planned; it comes back then')
end
unwake(id)
redis.call('HSET', KEYS[1], 'status', 'pending', 'wake_at', ARGV[3], 'wake_kind', 'snooze', 'wake_by', by, 'updated', ARGV[6])
redis.call('HDEL', KEYS[1], 'lease')
redis.call('ZREM', base .. 'leases', id)
place(id, f[2], 'pending', f[3], f[4])
index_assignee(id, f[5], f[5], 'pending')
redis.call('ZADD', base .. 'wakes', ARGV[3], id)
redis.call('ZADD', base .. 'snoozed:' .. by, ARGV[3], id)
event(id, ARGV[7], 'snoozed', by, 'until ' .. ARGV[4])
return 1
