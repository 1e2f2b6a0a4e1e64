-- save_invitation: store an invitation once per UID, pending, and index it by
-- its start time for the calendar feed (invite_save.lua, and append.lua for a
-- reply that carries one, in the same step as the reply). inv holds uid,
-- message, start, end (ms), title, location, description, organizer,
-- attendee, sequence, by; tid is its ticket. Returns its key.
local function save_invitation(tid, inv)
  local key = base .. 'invite:' .. inv.uid
  if redis.call('EXISTS', key) == 1 then return key end
  redis.call('HSET', key, 'uid', inv.uid, 'ticket', tid, 'message', inv.message, 'start', inv.start, 'end', inv['end'],
    'title', inv.title, 'location', inv.location, 'description', inv.description, 'organizer', inv.organizer,
    'attendee', inv.attendee, 'sequence', inv.sequence, 'by', inv.by, 'state', 'pending', 'created', (clock()))
  redis.call('ZADD', base .. 'invites', inv.start, inv.uid)
  return key
end
