-- report_read: the daily report counters of some days.
-- ARGV: 1 base, 2… dates YYYY-MM-DD.
-- Returns per date {1, pack} when the day has a pack (field pack of its
-- hash, report_pack.lua), else {0, its counters as HGETALL gives them}
-- (field v among them: the day's version).
local out = {}
for i = 2, #ARGV do
  local k = base .. 'report:day:' .. ARGV[i]
  local pack = redis.call('HGET', k, 'pack')
  if pack then
    table.insert(out, {1, pack})
  else
    table.insert(out, {0, redis.call('HGETALL', k)})
  end
end
return out
