-- attempt: count one password attempt for a name. The count lives for the
-- lock window from the first attempt; a successful login deletes it.
-- KEYS[1] P:accounts:{users}:failures:NAME
-- ARGV: 1 the window (ms).
-- Returns the number of attempts in the window, this one included.
local ttl = redis.call('PTTL', KEYS[1])
local n = redis.call('INCR', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n
