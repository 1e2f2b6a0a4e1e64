-- current: the version in effect and its record, read together.
-- KEYS[1] P:rules:{rules}:current   KEYS[2] P:rules:{rules}:versions
-- Returns {version, record}, or nil when no version was ever stored.
local n = redis.call('GET', KEYS[1])
if not n then return false end
return {tonumber(n), redis.call('HGET', KEYS[2], n) or ''}
