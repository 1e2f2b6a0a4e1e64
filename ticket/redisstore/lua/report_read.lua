-- report_read: the daily report counters of some days.
-- ARGV: 1 base, 2… dates YYYY-MM-DD.
-- Returns, per date in order, the day's counters as HGETALL gives them.
local out = {}
for i = 2, #ARGV do
  table.insert(out, redis.call('HGETALL', base .. 'report:day:' .. ARGV[i]))
end
return out
