-- transcript: put a voicemail's transcript on its message.
-- KEYS[1] the ticket's key
-- ARGV: 1 base, 2 ticket id, 3 message id, 4 text, 5 now ms, 6 now RFC 3339, 7 by.
local seq = redis.call('HGET', KEYS[1], 'msgseq')
if not seq then return redis.error_reply('NOTFOUND ticket ' .. ARGV[2]) end
local n = tonumber(string.sub(ARGV[3], 2))
if string.sub(ARGV[3], 1, 1) ~= 'm' or not n or n < 1 or n > tonumber(seq) then
  return redis.error_reply('NOTFOUND message ' .. ARGV[3] .. ' on ticket ' .. ARGV[2])
end
if redis.call('HGET', KEYS[1] .. ':transcripts', ARGV[3]) == ARGV[4] then return 0 end
redis.call('HSET', KEYS[1] .. ':transcripts', ARGV[3], ARGV[4])
redis.call('HSET', KEYS[1], 'updated', ARGV[5])
event(ARGV[2], ARGV[6], 'transcript', ARGV[7], ARGV[3])
return 1
