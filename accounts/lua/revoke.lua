-- revoke: forget one API token of a user.
-- KEYS[1] P:accounts:{users}:token:SHA256  KEYS[2] P:accounts:{users}:tokens:NAME
-- ARGV: 1 name, 2 the token's SHA-256 (hex).
-- Returns 1 revoked, 0 the token does not (or no longer) belong to NAME.
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[2])
return 1
