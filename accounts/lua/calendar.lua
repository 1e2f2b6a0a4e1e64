-- calendar: a user's calendar token: the one kept (get), made when there is
-- none (get), or made anew in place of the old one, which stops working
-- (reset). The token is kept on the user, to be shown again; the index
-- calendar:SHA1(token) names its user.
-- KEYS[1] the user's key; ARGV: 1 base, 2 'get' | 'reset', 3 a new token,
-- 4 the user's name. Returns the token in force, or false for no such user.
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local old = redis.call('HGET', KEYS[1], 'calendar')
if old and ARGV[2] == 'get' then return old end
if old then
  redis.call('DEL', ARGV[1] .. 'calendar:' .. redis.sha1hex(old))
end
redis.call('HSET', KEYS[1], 'calendar', ARGV[3])
redis.call('SET', ARGV[1] .. 'calendar:' .. redis.sha1hex(ARGV[3]), ARGV[4])
return ARGV[3]
