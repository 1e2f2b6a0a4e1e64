-- invite_save: store an invitation once per UID, pending, and index it by its
-- start time for the calendar feed (save_invitation, invite_lib.lua).
-- KEYS[1] base..'invite:'..UID, KEYS[2] base..'invites';
-- ARGV: 1 base, 2 uid, 3 ticket id, 4 message id, 5 start ms, 6 end ms,
-- 7 title, 8 location, 9 description, 10 organizer, 11 attendee,
-- 12 sequence, 13 by.
-- Returns the stored hash (HGETALL), the first call's on a repeat.
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('HGETALL', KEYS[1]) end
if redis.call('EXISTS', tkey(ARGV[3])) == 0 then return redis.error_reply('NOTFOUND ticket ' .. ARGV[3]) end
save_invitation(ARGV[3], {uid = ARGV[2], message = ARGV[4], start = ARGV[5], ['end'] = ARGV[6], title = ARGV[7],
  location = ARGV[8], description = ARGV[9], organizer = ARGV[10], attendee = ARGV[11], sequence = ARGV[12], by = ARGV[13]})
return redis.call('HGETALL', KEYS[1])
