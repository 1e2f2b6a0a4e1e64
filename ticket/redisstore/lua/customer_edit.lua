-- customer_edit: change a customer's name or notes.
-- KEYS[1] the customer's key
-- ARGV: 1 base, 2 customer id, 3 '1' to set the name, 4 name, 5 '1' to set
-- the notes, 6 notes, 7 by, 8 now ms, 9 now RFC 3339.
-- Returns the number of fields changed. Errors: NOTFOUND for no such customer.
local cid = ARGV[2]
if redis.call('EXISTS', KEYS[1]) == 0 then return redis.error_reply('NOTFOUND customer ' .. cid) end
local f = redis.call('HMGET', KEYS[1], 'name', 'notes')
-- Reads and checks done.
local n = 0
if ARGV[3] == '1' and ARGV[4] ~= (f[1] or '') then
  redis.call('HSET', KEYS[1], 'name', ARGV[4])
  local from, to = f[1] or '', ARGV[4]
  if from == '' then from = '(no name)' end
  if to == '' then to = '(no name)' end
  customer_event(cid, ARGV[9], 'renamed', ARGV[7], from .. ' → ' .. to)
  n = n + 1
end
if ARGV[5] == '1' and ARGV[6] ~= (f[2] or '') then
  redis.call('HSET', KEYS[1], 'notes', ARGV[6])
  customer_event(cid, ARGV[9], 'notes_edited', ARGV[7], '')
  n = n + 1
end
if n > 0 then redis.call('HSET', KEYS[1], 'updated', ARGV[8]) end
return n
