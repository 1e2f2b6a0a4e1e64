-- token: give an existing user another API token.
-- KEYS[1] P:accounts:{users}:user:NAME   KEYS[2] P:accounts:{users}:token:SHA256
-- KEYS[3] P:accounts:{users}:tokens:NAME
-- ARGV: 1 name, 2 the token's SHA-256 (hex).
-- Returns 1 stored, 0 no such user, -1 the token hash is in use.
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('EXISTS', KEYS[2]) == 1 then return -1 end
redis.call('SET', KEYS[2], ARGV[1])
redis.call('SADD', KEYS[3], ARGV[2])
return 1
