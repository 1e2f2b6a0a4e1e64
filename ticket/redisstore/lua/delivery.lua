-- delivery: record the delivery state of an outbound message.
-- KEYS[1] the ticket's key
-- ARGV: 1 base, 2 ticket id, 3 message id (m2), 4 state, 5 detail, 6 now ms, 7 now RFC 3339, 8 by,
-- 9 expected state or '': when given and the message is in another state,
-- nothing changes and the answer is CONFLICT (two senders of one message:
-- only the one that moves it from queued may send it).
local seq = redis.call('HGET', KEYS[1], 'msgseq')
if not seq then return redis.error_reply('NOTFOUND ticket ' .. ARGV[2]) end
local n = tonumber(string.sub(ARGV[3], 2))
if string.sub(ARGV[3], 1, 1) ~= 'm' or not n or n < 1 or n > tonumber(seq) then
  return redis.error_reply('NOTFOUND message ' .. ARGV[3] .. ' on ticket ' .. ARGV[2])
end
if ARGV[9] and ARGV[9] ~= '' then
  local cur = redis.call('HGET', KEYS[1] .. ':delivery', ARGV[3])
  local state
  if cur then
    state = cjson.decode(cur).delivery
  else
    state = cjson.decode(redis.call('LINDEX', KEYS[1] .. ':messages', n - 1)).delivery
  end
  if state ~= ARGV[9] then
    return redis.error_reply('CONFLICT message ' .. ARGV[3] .. ' is ' .. tostring(state) .. ', not ' .. ARGV[9])
  end
end
redis.call('HSET', KEYS[1] .. ':delivery', ARGV[3],
  cjson.encode({delivery = ARGV[4], detail = ARGV[5], at = ARGV[7]}))
redis.call('HSET', KEYS[1], 'updated', ARGV[6])
if ARGV[4] == 'queued' then
  redis.call('ZADD', base .. 'outbox', ARGV[6], ARGV[2] .. ' ' .. ARGV[3])
else
  redis.call('ZREM', base .. 'outbox', ARGV[2] .. ' ' .. ARGV[3])
end
local detail = ARGV[3] .. ' ' .. ARGV[4]
if ARGV[5] ~= '' then detail = detail .. ': ' .. ARGV[5] end
event(ARGV[2], ARGV[7], 'delivery', ARGV[8], detail)
return 1
