-- attach: add a file to a stored message, once per source key.
-- KEYS[1] base..'sources'
-- ARGV: 1 base, 2 source key, 3 ticket id, 4 message id, 5 attachment id,
-- 6 attachment JSON, 7 now ms, 8 now RFC 3339, 9 by.
-- Returns {ticket id, message id, 1 added | 0 found}.
-- A message that moved with a merge gets it where it is now.
local prev = known(ARGV[2])
if prev then return prev end
local tid, mid = follow(ARGV[3], ARGV[4])
local k = tkey(tid)
local seq = redis.call('HGET', k, 'msgseq')
if not seq then return redis.error_reply('NOTFOUND ticket ' .. ARGV[3]) end
local n = tonumber(string.sub(mid, 2))
if string.sub(mid, 1, 1) ~= 'm' or not n or n < 1 or n > tonumber(seq) then
  return redis.error_reply('NOTFOUND message ' .. ARGV[4] .. ' on ticket ' .. ARGV[3])
end
redis.call('HSET', k .. ':attachments', ARGV[5], ARGV[6])
redis.call('RPUSH', k .. ':late', mid .. ' ' .. ARGV[6])
redis.call('HSET', k, 'updated', ARGV[7])
-- The timeline says which file in the user's words: its name, never ids.
local ok, meta = pcall(cjson.decode, ARGV[6])
local name = ok and type(meta) == 'table' and type(meta.filename) == 'string' and meta.filename ~= '' and meta.filename or 'a file'
event(tid, ARGV[8], 'attachment', ARGV[9], name)
redis.call('HSET', KEYS[1], ARGV[2], tid .. ' ' .. mid)
return {tid, mid, '1'}
