-- whois: the user an API token belongs to, in one round trip.
-- KEYS[1] P:accounts:{users}:token:SHA256
-- ARGV: 1 the user key prefix P:accounts:{users}:user:.
-- Returns {name, role, away, created} (role false for a removed user), or
-- false for an unknown or revoked token.
local name = redis.call('GET', KEYS[1])
if not name then return false end
local u = redis.call('HMGET', ARGV[1] .. name, 'role', 'away', 'created')
return {name, u[1], u[2], u[3]}
