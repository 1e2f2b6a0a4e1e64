-- link: add an email address or phone number to a customer (an assistant
-- linking a caller to the writer they are).
-- KEYS[1] the customer's key
-- ARGV: 1 base, 2 customer id, 3 'email' | 'phone', 4 value.
-- Errors: NOTFOUND for no such customer, CONFLICT when another customer owns
-- the value or this one has a different one already.
if redis.call('EXISTS', KEYS[1]) == 0 then return redis.error_reply('NOTFOUND customer ' .. ARGV[2]) end
local index = base .. 'customers:' .. ARGV[3]
local owner = redis.call('HGET', index, ARGV[4])
if owner and owner ~= ARGV[2] then
  return redis.error_reply('CONFLICT ' .. ARGV[4] .. ' belongs to customer ' .. owner)
end
local cur = redis.call('HGET', KEYS[1], ARGV[3]) or ''
if cur ~= '' and cur ~= ARGV[4] then
  return redis.error_reply('CONFLICT customer ' .. ARGV[2] .. ' has ' .. ARGV[3] .. ' ' .. cur .. ' already')
end
redis.call('HSET', KEYS[1], ARGV[3], ARGV[4])
redis.call('HSET', index, ARGV[4], ARGV[2])
return 1
