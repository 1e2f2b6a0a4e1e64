-- change: one assistant action on a ticket: renew, release, assign or status.
-- KEYS[1] the ticket's key
-- ARGV: 1 base, 2 ticket id, 3 action, 4 by, 5 now ms, 6 now RFC 3339,
-- 7 argument (lease expiry ms | assignee | status).
local id, action, by, now_ms, now_rfc, arg = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local k = KEYS[1]
local f = redis.call('HMGET', k, 'status', 'queue', 'priority', 'created', 'assignee', 'lease', 'merged_into')
local status, queue, priority, created, assignee, lease = f[1], f[2], f[3], f[4], f[5], f[6]
if not status then return redis.error_reply('NOTFOUND ticket ' .. id) end
if f[7] and f[7] ~= '' then
  return redis.error_reply('CONFLICT ticket ' .. id .. ' was merged into #' .. f[7] .. '; work on that one')
end

if action == 'renew' then
  if status ~= 'open' or assignee ~= by or not lease then
    return redis.error_reply('CONFLICT ticket ' .. id .. ' is not leased to ' .. by)
  end
  redis.call('HSET', k, 'lease', arg, 'updated', now_ms)
  redis.call('ZADD', base .. 'leases', arg, id)
  return 1
end

if action == 'release' then
  if status == 'closed' then return redis.error_reply('CONFLICT ticket ' .. id .. ' is closed') end
  if status == 'new' then return 0 end
  if redis.call('HGET', k, 'wake_kind') == 'snooze' then unwake(id) end
  redis.call('HSET', k, 'status', 'new', 'assignee', '', 'updated', now_ms)
  redis.call('HDEL', k, 'lease')
  redis.call('ZREM', base .. 'leases', id)
  place(id, queue, 'new', priority, created)
  index_assignee(id, assignee, '', 'new')
  event(id, now_rfc, 'released', by, 'back to queue ' .. queue)
  return 1
end

if action == 'assign' then
  if status == 'closed' then return redis.error_reply('CONFLICT ticket ' .. id .. ' is closed') end
  local to = status
  if to == 'new' then to = 'open' end
  redis.call('HSET', k, 'status', to, 'assignee', arg, 'updated', now_ms)
  redis.call('HDEL', k, 'lease')
  redis.call('ZREM', base .. 'leases', id)
  place(id, queue, to, priority, created)
  index_assignee(id, assignee, arg, to)
  local detail = 'to ' .. arg
  if assignee and assignee ~= '' and assignee ~= arg then detail = 'from ' .. assignee .. ' to ' .. arg end
  event(id, now_rfc, 'assigned', by, detail)
  return 1
end

if action == 'status' then
  if arg == status then return 0 end
  if redis.call('HGET', k, 'wake_kind') == 'snooze' then
    unwake(id)
    event(id, now_rfc, 'snooze_ended', by, 'status changed by hand')
  end
  local fields = {'status', arg, 'updated', now_ms}
  if arg == 'new' then table.insert(fields, 'assignee'); table.insert(fields, '') end
  redis.call('HSET', k, unpack(fields))
  redis.call('HDEL', k, 'lease')
  redis.call('ZREM', base .. 'leases', id)
  if arg == 'closed' then redis.call('ZREM', base .. 'queue:' .. queue .. ':sla', id) end
  place(id, queue, arg, priority, created)
  local now_assignee = assignee
  if arg == 'new' then now_assignee = '' end
  index_assignee(id, assignee, now_assignee, arg)
  event(id, now_rfc, 'status', by, status .. ' -> ' .. arg)
  report_status(id, status, arg, now_ms, assignee, by)
  return 1
end
return redis.error_reply('ERR unknown action ' .. action)
