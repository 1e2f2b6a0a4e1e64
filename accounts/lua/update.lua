-- update: set fields of an existing user, and optionally clear its failed
-- login count.
-- KEYS[1] P:accounts:{users}:user:NAME  KEYS[2] (optional) P:accounts:{users}:failures:NAME
-- ARGV: field, value, field, value...
-- Returns 1 updated, 0 no such user.
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV))
if KEYS[2] then redis.call('DEL', KEYS[2]) end
return 1
