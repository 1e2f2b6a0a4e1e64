-- update: set fields of an existing user.
-- KEYS[1] P:accounts:{users}:user:NAME
-- ARGV: field, value, field, value...
-- Returns 1 updated, 0 no such user.
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV))
return 1
