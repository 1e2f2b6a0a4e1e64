-- customer_forget: erase a customer's record once their tickets are erased
-- (erase.lua, mode 'redact'): the record, its history and ticket lists, and
-- the entries of the address and number indexes that name the customer.
-- KEYS[1] the customer's key
-- ARGV: 1 base, 2 customer id, 3 JSON list of further addresses and numbers
-- the customer was found by ({kind, value}), whose index entries go too.
-- Returns {JSON list of the addresses, JSON list of the numbers} the customer
-- had, or {} when there is no such customer.
-- Errors: CONFLICT while tickets of the customer are not erased yet.
local cid = ARGV[2]
if redis.call('EXISTS', KEYS[1]) == 0 then return {} end
if redis.call('ZCARD', KEYS[1] .. ':ticket_ids') > 0 or redis.call('SCARD', KEYS[1] .. ':tickets') > 0 then
  return redis.error_reply('CONFLICT customer ' .. cid .. ' still has tickets that are not erased')
end
local emails = customer_ids(KEYS[1], 'email')
local phones = customer_ids(KEYS[1], 'phone')
local extra = cjson.decode(ARGV[3])
-- Reads and checks done.
local function unindex(kind, v)
  local index = base .. 'customers:' .. kind
  if redis.call('HGET', index, v) == cid then redis.call('HDEL', index, v) end
end
for _, v in ipairs(emails) do unindex('email', v) end
for _, v in ipairs(phones) do unindex('phone', v) end
for _, x in ipairs(extra) do unindex(x.kind, x.value) end
redis.call('DEL', KEYS[1], KEYS[1] .. ':events', KEYS[1] .. ':ticket_ids', KEYS[1] .. ':tickets')
local e, p = '[]', '[]'
if #emails > 0 then e = cjson.encode(emails) end
if #phones > 0 then p = cjson.encode(phones) end
return {e, p}
