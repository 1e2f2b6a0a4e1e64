-- report_pack: keep days' report packs (field pack of each day's hash),
-- each unless a counter of its day changed since the counters it was made
-- from were read.
-- ARGV: 1 base, then per day: date YYYY-MM-DD, the day's version read
-- (field v), pack.
-- Returns how many were kept.
local kept = 0
for i = 2, #ARGV, 3 do
  local k = base .. 'report:day:' .. ARGV[i]
  if tonumber(redis.call('HGET', k, 'v') or '0') == tonumber(ARGV[i + 1]) then
    redis.call('HSET', k, 'pack', ARGV[i + 2])
    kept = kept + 1
  end
end
return kept
