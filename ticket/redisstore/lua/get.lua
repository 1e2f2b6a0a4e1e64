-- get: a ticket's fields, messages, events and customer, in one round trip.
-- KEYS[1] the ticket's key; ARGV: 1 base.
-- Returns {fields, messages, events, customer fields}, or false.
local f = redis.call('HGETALL', KEYS[1])
if #f == 0 then return false end
local cid = redis.call('HGET', KEYS[1], 'customer')
local c = {}
if cid then c = redis.call('HGETALL', base .. 'customer:' .. cid) end
return {f, redis.call('LRANGE', KEYS[1] .. ':messages', 0, -1),
  redis.call('LRANGE', KEYS[1] .. ':events', 0, -1), c}
