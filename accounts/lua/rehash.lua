-- rehash: replace a user's password hash by one with the current parameters,
-- unless the password changed since it was checked.
-- KEYS[1] P:accounts:{users}:user:NAME
-- ARGV: 1 the hash that was checked, 2 its replacement.
-- Returns 1 replaced, 0 left alone.
if redis.call('HGET', KEYS[1], 'hash') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'hash', ARGV[2])
return 1
