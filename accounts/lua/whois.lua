-- whois: the user an API token belongs to, in one round trip.
-- KEYS[1] P:accounts:{users}:token:SHA256
-- ARGV: 1 the user key prefix P:accounts:{users}:user:.
-- Returns {name, {user fields}} (the fields empty for a removed user), or false
-- for an unknown or revoked token.
local name = redis.call('GET', KEYS[1])
if not name then return false end
return {name, redis.call('HGETALL', ARGV[1] .. name)}
