-- change: change a user's role and whether they are disabled, in one step.
-- Disabling also ends the user's sessions (and moves pwgen on, so that a
-- login that checked the password meanwhile starts a dead session) and
-- revokes their API tokens.
-- KEYS[1] P:accounts:{users}:user:NAME      KEYS[2] P:accounts:{users}:tokens:NAME
-- KEYS[3] P:accounts:{users}:sessions:NAME  KEYS[4] P:accounts:{users}:user:BY
-- (the manager making the change; KEYS[1] again when the operator makes it)
-- ARGV: 1 name, 2 role ('' leaves it), 3 disabled ('1' disable, '0' enable,
-- '' leaves it), 4 BY ('' for the operator), 5 the token key prefix
-- P:accounts:{users}:token:, 6 the session key prefix P:accounts:{users}:session:
-- (both in the same hash slot).
-- Returns {1, role, away, created, disabled} as the user now is; {0} no such
-- user; {-1} BY is not an enabled manager (any more); {-2} BY would demote or
-- disable themselves. Nothing is changed unless 1.
if redis.call('EXISTS', KEYS[1]) == 0 then return {0} end
if ARGV[4] ~= '' then
  local by = redis.call('HMGET', KEYS[4], 'role', 'disabled')
  if by[1] ~= 'manager' or by[2] == '1' then return {-1} end
  if ARGV[4] == ARGV[1] and ((ARGV[2] ~= '' and ARGV[2] ~= 'manager') or ARGV[3] == '1') then
    return {-2}
  end
end
if ARGV[2] ~= '' then redis.call('HSET', KEYS[1], 'role', ARGV[2]) end
if ARGV[3] == '1' then
  redis.call('HSET', KEYS[1], 'disabled', '1')
  redis.call('HINCRBY', KEYS[1], 'pwgen', 1)
  for _, h in ipairs(redis.call('SMEMBERS', KEYS[2])) do
    local k = ARGV[5] .. h
    if redis.call('GET', k) == ARGV[1] then redis.call('DEL', k) end
  end
  redis.call('DEL', KEYS[2])
  for _, h in ipairs(redis.call('SMEMBERS', KEYS[3])) do
    redis.call('DEL', ARGV[6] .. h)
  end
  redis.call('DEL', KEYS[3])
elseif ARGV[3] == '0' then
  redis.call('HSET', KEYS[1], 'disabled', '0')
end
local u = redis.call('HMGET', KEYS[1], 'role', 'away', 'created', 'disabled')
return {1, u[1], u[2], u[3], u[4]}
