-- whois: the user an API token belongs to, in one round trip.
-- KEYS[1] P:accounts:{users}:token:SHA256
-- ARGV: 1 the user key prefix P:accounts:{users}:user:.
-- Returns {name, role, away, created, disabled} (role false for a removed
-- user), or false for an unknown, revoked or expired token, or one whose
-- user is disabled.
local name = redis.call('GET', KEYS[1])
if not name then return false end
local u = redis.call('HMGET', ARGV[1] .. name, 'role', 'away', 'created', 'disabled')
if u[4] == '1' then return false end
return {name, u[1], u[2], u[3], u[4]}
