-- customer: a customer with a page of their tickets, newest first, and the
-- latest entries of their history, in one round trip.
-- KEYS[1] the customer's key
-- ARGV: 1 base, 2 customer id, 3 limit, 4 cursor (list tickets numbered
-- below it; '' from the newest), 5 how many history entries.
-- Returns {customer fields, next cursor or '', ticket count, history (a JSON
-- array), fields of ticket 1, fields of ticket 2, …}, or false when there is
-- no such customer.
--
-- A customer's tickets are the sorted set KEYS[1]..':ticket_ids', by number.
-- Records written before it existed (and older instances during an upgrade)
-- add tickets to the set KEYS[1]..':tickets' instead: its members move into
-- the sorted set here, once.
local f = redis.call('HGETALL', KEYS[1])
if #f == 0 then return false end
local z, old = KEYS[1] .. ':ticket_ids', KEYS[1] .. ':tickets'
if redis.call('EXISTS', old) == 1 then
  for _, id in ipairs(redis.call('SMEMBERS', old)) do redis.call('ZADD', z, id, id) end
  redis.call('DEL', old)
end
local limit = tonumber(ARGV[3])
local max = '+inf'
if ARGV[4] ~= '' then max = '(' .. ARGV[4] end
local ids = redis.call('ZREVRANGEBYSCORE', z, max, '-inf', 'LIMIT', 0, limit)
local out = {f, '', redis.call('ZCARD', z),
  json_array(redis.call('LRANGE', KEYS[1] .. ':events', -tonumber(ARGV[5]), -1))}
for _, id in ipairs(ids) do
  local t = redis.call('HGETALL', tkey(id))
  if #t > 0 then table.insert(out, t) end
end
local last = ids[#ids]
if #ids == limit and #redis.call('ZREVRANGEBYSCORE', z, '(' .. last, '-inf', 'LIMIT', 0, 1) > 0 then
  out[2] = last
end
return out
