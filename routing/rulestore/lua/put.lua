-- put: store a new version of the rule set and make it current.
-- KEYS[1] P:rules:{rules}:seq   KEYS[2] P:rules:{rules}:versions
-- KEYS[3] P:rules:{rules}:current
-- ARGV: 1 the version's record (JSON: rules, at, by, note), 2 how many versions
-- to keep (0: all), 3 '1' to store only when there is no current version yet,
-- 4 the version that must be current for the store to happen ('0': any).
-- Returns {version, 1} when stored, {current version, 0} when ARGV[3] is '1'
-- and a version is current already or ARGV[4] is not the current version.
local keep = tonumber(ARGV[2]) or 0
if ARGV[3] == '1' then
  local cur = redis.call('GET', KEYS[3])
  if cur then return {tonumber(cur), 0} end
end
local expect = tonumber(ARGV[4]) or 0
if expect > 0 then
  local cur = tonumber(redis.call('GET', KEYS[3]) or '0')
  if cur ~= expect then return {cur, 0} end
end
local n = redis.call('INCR', KEYS[1])
redis.call('HSET', KEYS[2], n, ARGV[1])
redis.call('SET', KEYS[3], n)
if keep > 0 and n - keep > 0 then
  redis.call('HDEL', KEYS[2], n - keep)
end
return {n, 1}
