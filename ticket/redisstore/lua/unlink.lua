-- unlink: take an email address or phone number from a customer. Later mail
-- or calls from it no longer find the customer; their tickets stay theirs.
-- KEYS[1] the customer's key
-- ARGV: 1 base, 2 customer id, 3 'email' | 'phone', 4 value, 5 by, 6 now
-- ms, 7 now RFC 3339.
-- Returns 1 when unlinked, 0 when the customer did not have it.
-- Errors: NOTFOUND for no such customer, CONFLICT when another customer owns
-- the value or it is the last address or number the customer is known by.
local cid, kind, v = ARGV[2], ARGV[3], ARGV[4]
if redis.call('EXISTS', KEYS[1]) == 0 then return redis.error_reply('NOTFOUND customer ' .. cid) end
local index = base .. 'customers:' .. kind
local owner = redis.call('HGET', index, v)
if owner and owner ~= cid then
  return redis.error_reply('CONFLICT ' .. v .. ' belongs to another customer, not this one')
end
local list = customer_ids(KEYS[1], kind)
if not contains(list, v) then
  -- An index entry naming this customer for a value its list lacks (written
  -- before customers had several) goes; anything else is done already.
  if not owner then return 0 end
  redis.call('HDEL', index, v)
  customer_event(cid, ARGV[7], 'unlinked', ARGV[5], v)
  return 1
end
local other = 'phone'
if kind == 'phone' then other = 'email' end
if #list + #customer_ids(KEYS[1], other) <= 1 then
  return redis.error_reply('CONFLICT ' .. v .. ' is the only address or number this customer is known by: link another first')
end
-- Reads and checks done.
local rest = {}
for _, x in ipairs(list) do if x ~= v then table.insert(rest, x) end end
save_customer_ids(KEYS[1], kind, rest)
if owner then redis.call('HDEL', index, v) end
redis.call('HSET', KEYS[1], 'updated', ARGV[6])
customer_event(cid, ARGV[7], 'unlinked', ARGV[5], v)
return 1
