-- waiting: the first tickets waiting in a queue, in the order claims take
-- them (priority, then age).
-- KEYS[1] base..'queue:'..Q; ARGV: 1 base, 2 limit.
-- Returns {fields1, customer1, fields2, customer2, …}.
local out = {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[2]) - 1)) do
  local all = redis.call('HGETALL', tkey(id))
  if #all > 0 then
    table.insert(out, all)
    table.insert(out, customer_of(all))
  end
end
return out
