-- stats: one queue's counts, its oldest waiting ticket and SLA breaches.
-- KEYS[1] base..'queue:'..Q; ARGV: 1 base, 2 now ms.
-- Returns {waiting, open, oldest created ms or -1, breached}.
local oldest = -1
local woken = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(0', 'LIMIT', 0, 1)
if #woken > 0 then oldest = tonumber(redis.call('HGET', tkey(woken[1]), 'created')) or -1 end
for r = 0, 3 do
  local first = redis.call('ZRANGEBYSCORE', KEYS[1], r * SCORE_BAND, '(' .. ((r + 1) * SCORE_BAND),
    'WITHSCORES', 'LIMIT', 0, 1)
  if #first > 0 then
    local created = tonumber(first[2]) - r * SCORE_BAND
    if oldest < 0 or created < oldest then oldest = created end
  end
end
return {redis.call('ZCARD', KEYS[1]), redis.call('SCARD', KEYS[1] .. ':active'), tostring(oldest),
  redis.call('ZCOUNT', KEYS[1] .. ':sla', '-inf', ARGV[2])}
