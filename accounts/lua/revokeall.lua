-- revokeall: forget every API token of a user.
-- KEYS[1] P:accounts:{users}:tokens:NAME; each member H names the key
-- ARGV[1]..H, ARGV[1] being "P:accounts:{users}:token:" (same hash slot).
-- ARGV: 1 the token key prefix, 2 name.
-- Returns how many tokens were revoked.
local hashes = redis.call('SMEMBERS', KEYS[1])
local n = 0
for _, h in ipairs(hashes) do
  local k = ARGV[1] .. h
  if redis.call('GET', k) == ARGV[2] then
    redis.call('DEL', k)
    n = n + 1
  end
end
redis.call('DEL', KEYS[1])
return n
