-- add: create a user and its first API token, unless the name is taken.
-- KEYS[1] P:accounts:{users}:user:NAME   KEYS[2] P:accounts:{users}:names
-- KEYS[3] P:accounts:{users}:token:SHA256 KEYS[4] P:accounts:{users}:tokens:NAME
-- ARGV: 1 name, 2 role, 3 password hash ('' for a token-only user),
-- 4 created (ms), 5 the token's SHA-256 (hex).
-- Returns 1 created, 0 the name is taken, -1 the token hash is in use.
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
if redis.call('EXISTS', KEYS[3]) == 1 then return -1 end
redis.call('HSET', KEYS[1], 'role', ARGV[2], 'hash', ARGV[3], 'away', '0', 'created', ARGV[4])
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('SET', KEYS[3], ARGV[1])
redis.call('SADD', KEYS[4], ARGV[5])
return 1
