-- token: give an existing user another API token, beside their others or in
-- place of them all, working for ever or for a while.
-- KEYS[1] P:accounts:{users}:user:NAME   KEYS[2] P:accounts:{users}:token:SHA256
-- KEYS[3] P:accounts:{users}:tokens:NAME
-- ARGV: 1 name, 2 the token's SHA-256 (hex), 3 its lifetime in ms ('0': no
-- expiry), 4 '1' to revoke every other token of the user, 5 the token key
-- prefix P:accounts:{users}:token: (same hash slot).
-- The user's list forgets tokens that have expired meanwhile.
-- Returns {1, tokens revoked} stored, {0} no such user, {-1} the token hash
-- is in use.
if redis.call('EXISTS', KEYS[1]) == 0 then return {0} end
if redis.call('EXISTS', KEYS[2]) == 1 then return {-1} end
local revoked = 0
for _, h in ipairs(redis.call('SMEMBERS', KEYS[3])) do
  local k = ARGV[5] .. h
  if redis.call('GET', k) ~= ARGV[1] then
    redis.call('SREM', KEYS[3], h)
  elseif ARGV[4] == '1' then
    redis.call('DEL', k)
    redis.call('SREM', KEYS[3], h)
    revoked = revoked + 1
  end
end
if tonumber(ARGV[3]) > 0 then
  redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[3])
else
  redis.call('SET', KEYS[2], ARGV[1])
end
redis.call('SADD', KEYS[3], ARGV[2])
return {1, revoked}
