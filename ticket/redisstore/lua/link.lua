-- link: add an email address or phone number to a customer (an assistant
-- linking a caller to the writer they are).
-- KEYS[1] the customer's key
-- ARGV: 1 base, 2 customer id, 3 'email' | 'phone', 4 value, 5 by, 6 now
-- ms, 7 now RFC 3339.
-- Returns 1 when linked, 0 when the customer had it already.
-- Errors: NOTFOUND for no such customer, CONFLICT when another customer owns
-- the value or this one has MAX_IDS of its kind.
local cid, kind, v = ARGV[2], ARGV[3], ARGV[4]
if redis.call('EXISTS', KEYS[1]) == 0 then return redis.error_reply('NOTFOUND customer ' .. cid) end
local index = base .. 'customers:' .. kind
local owner = redis.call('HGET', index, v)
if owner and owner ~= cid then
  local name = redis.call('HGET', base .. 'customer:' .. owner, 'name') or ''
  if name ~= '' then name = ', ' .. name end
  return redis.error_reply('CONFLICT ' .. v .. ' belongs to another customer' .. name ..
    ' (customer ' .. owner .. '): unlink it there first')
end
local list = customer_ids(KEYS[1], kind)
if contains(list, v) then
  if not owner then redis.call('HSET', index, v, cid) end
  return 0
end
if #list >= MAX_IDS then
  local what = 'email addresses'
  if kind == 'phone' then what = 'phone numbers' end
  return redis.error_reply('CONFLICT the customer has ' .. MAX_IDS .. ' ' .. what .. ' already: unlink one first')
end
-- Reads and checks done.
table.insert(list, v)
save_customer_ids(KEYS[1], kind, list)
redis.call('HSET', index, v, cid)
redis.call('HSET', KEYS[1], 'updated', ARGV[6])
customer_event(cid, ARGV[7], 'linked', ARGV[5], v)
return 1
