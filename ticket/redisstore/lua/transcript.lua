-- transcript: put a voicemail's transcript on its message.
-- KEYS[1] the ticket's key
-- ARGV: 1 base, 2 ticket id, 3 message id, 4 text, 5 now ms, 6 now RFC 3339, 7 by,
-- 8 the transcript's search terms (JSON list, search.lua).
-- A message that moved with a merge gets it where it is now.
local tid, mid = follow(ARGV[2], ARGV[3])
local k = tkey(tid)
local seq = redis.call('HGET', k, 'msgseq')
if not seq then return redis.error_reply('NOTFOUND ticket ' .. ARGV[2]) end
local n = tonumber(string.sub(mid, 2))
if string.sub(mid, 1, 1) ~= 'm' or not n or n < 1 or n > tonumber(seq) then
  return redis.error_reply('NOTFOUND message ' .. ARGV[3] .. ' on ticket ' .. ARGV[2])
end
if redis.call('HGET', k .. ':transcripts', mid) == ARGV[4] then return 0 end
redis.call('HSET', k .. ':transcripts', mid, ARGV[4])
search_index(tid, ARGV[8])
redis.call('HSET', k, 'updated', ARGV[5])
event(tid, ARGV[6], 'transcript', ARGV[7], 'of the voicemail')
return 1
