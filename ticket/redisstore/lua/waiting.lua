-- waiting: the first tickets of a sorted set of ticket ids, lowest score
-- first (or highest, with ARGV[3] 'rev'): a queue's waiting tickets in the
-- order claims take them (priority, then age), a person's snoozed tickets
-- (soonest back first) or mentions (latest first).
-- KEYS[1] the sorted set; ARGV: 1 base, 2 limit, 3 '' or 'rev'.
-- Returns {fields1, customer1, fields2, customer2, …}.
local out = {}
local ids
if ARGV[3] == 'rev' then
  ids = redis.call('ZREVRANGE', KEYS[1], 0, tonumber(ARGV[2]) - 1)
else
  ids = redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[2]) - 1)
end
for _, id in ipairs(ids) do
  local all = redis.call('HGETALL', tkey(id))
  if #all > 0 then
    table.insert(out, all)
    table.insert(out, customer_of(all))
  end
end
return out
