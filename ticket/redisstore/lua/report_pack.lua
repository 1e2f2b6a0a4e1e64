-- report_pack: keep a day's report pack (field pack of its hash), unless a
-- counter of the day changed since the counters it was made from were read.
-- ARGV: 1 base, 2 date YYYY-MM-DD, 3 the day's version read (field v), 4 pack.
-- Returns 1 when kept, 0 when the day changed.
local k = base .. 'report:day:' .. ARGV[2]
if tonumber(redis.call('HGET', k, 'v') or '0') ~= tonumber(ARGV[3]) then return 0 end
redis.call('HSET', k, 'pack', ARGV[4])
return 1
