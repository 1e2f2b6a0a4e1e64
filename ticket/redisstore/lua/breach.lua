-- breach: mark tickets whose first response is overdue: an event, and their
-- priority raised one step (re-queued at the new priority if waiting). Each
-- ticket is marked once; it stays in its queue's sla index, counted as
-- breached, until it is answered or closed.
-- KEYS[1] base..'tickets' (routing only)
-- ARGV: 1 base, 2 now ms, 3 now RFC 3339, 4 limit, 5… queue names.
-- Returns the ids marked.
local up = {low = 'normal', normal = 'high', high = 'urgent', urgent = 'urgent'}
local marked = {}
for i = 5, #ARGV do
  local q = ARGV[i]
  local ids = redis.call('ZRANGEBYSCORE', base .. 'queue:' .. q .. ':sla', '-inf', ARGV[2], 'LIMIT', 0, tonumber(ARGV[4]))
  for _, id in ipairs(ids) do
    local k = tkey(id)
    local f = redis.call('HMGET', k, 'breached', 'priority', 'status', 'queue', 'created')
    if not f[1] and f[3] then
      local to = up[f[2]] or 'high'
      redis.call('HSET', k, 'breached', ARGV[2], 'priority', to, 'updated', ARGV[2])
      if f[3] == 'new' then place(id, f[4], 'new', to, f[5]) end
      event(id, ARGV[3], 'sla_breached', 'frontdesk', 'first response overdue; priority ' .. (f[2] or 'normal') .. ' -> ' .. to)
      report_ticket(id, 'sla_breached', ARGV[2])
      table.insert(marked, id)
    end
  end
end
return marked
