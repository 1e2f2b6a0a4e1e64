-- session: the user of a web session, keeping the session alive; one round
-- trip for what every page and board refresh asks.
-- KEYS[1] P:accounts:{users}:session:SHA256
-- ARGV: 1 the user key prefix P:accounts:{users}:user:, 2 now (ms),
-- 3 SessionMax (ms), 4 SessionIdle (ms).
-- Returns {name, role, away, created, disabled}, or false when there is no
-- such session, it is past SessionMax, the user's pwgen moved on since the
-- login (a new password, or disabling), or the user is disabled (the last
-- three are deleted); role is false for a removed user.
local s = redis.call('HMGET', KEYS[1], 'name', 'started', 'pwgen')
if not s[1] or s[1] == '' then return false end
local u = redis.call('HMGET', ARGV[1] .. s[1], 'role', 'away', 'created', 'pwgen', 'disabled')
local left = (tonumber(s[2]) or 0) + tonumber(ARGV[3]) - tonumber(ARGV[2])
if left <= 0 or (s[3] or '0') ~= (u[4] or '0') or u[5] == '1' then
  redis.call('DEL', KEYS[1])
  return false
end
redis.call('PEXPIRE', KEYS[1], math.min(tonumber(ARGV[4]), left))
return {s[1], u[1], u[2], u[3], u[5]}
