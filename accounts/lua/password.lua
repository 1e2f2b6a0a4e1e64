-- password: give an existing user a new password hash, clear its failed
-- logins, and count the change in pwgen: a session whose login saw another
-- pwgen is over (see session.lua), whatever happens to the session list.
-- KEYS[1] P:accounts:{users}:user:NAME  KEYS[2] P:accounts:{users}:failures:NAME
-- ARGV: 1 the new hash.
-- Returns 1 changed, 0 no such user.
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'hash', ARGV[1])
redis.call('HINCRBY', KEYS[1], 'pwgen', 1)
redis.call('DEL', KEYS[2])
return 1
