-- event: append an entry to a ticket's timeline.
-- KEYS[1] the ticket's key; ARGV: 1 base, 2 ticket id, 3 now ms, 4 at, 5 type, 6 by, 7 detail.
if redis.call('EXISTS', KEYS[1]) == 0 then return redis.error_reply('NOTFOUND ticket ' .. ARGV[2]) end
redis.call('HSET', KEYS[1], 'updated', ARGV[3])
event(ARGV[2], ARGV[4], ARGV[5], ARGV[6], ARGV[7])
return 1
