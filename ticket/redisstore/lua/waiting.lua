-- waiting: the first tickets waiting in a queue, in the order claims take
-- them (priority, then age).
-- KEYS[1] base..'queue:'..Q; ARGV: 1 base, 2 limit.
-- Returns {fields1, customer1, fields2, customer2, …}.
local out = {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[2]) - 1)) do
  local all = redis.call('HGETALL', tkey(id))
  if #all > 0 then
    local cid = redis.call('HGET', tkey(id), 'customer')
    local c = {}
    if cid and cid ~= '' then c = redis.call('HGETALL', base .. 'customer:' .. cid) end
    table.insert(out, all)
    table.insert(out, c)
  end
end
return out
