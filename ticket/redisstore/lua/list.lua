-- list: tickets newest first, filtered, a page at a time.
-- KEYS[1] base..'tickets'
-- ARGV: 1 base, 2 cursor (list ids below it; '' from the newest), 3 limit,
-- 4 max ids to examine, 5 queue, 6 status, 7 channel, 8 assignee ('' = any).
-- Returns {next cursor or '', fields1, customer1, fields2, customer2, …}.
local limit, budget = tonumber(ARGV[3]), tonumber(ARGV[4])
local max = '+inf'
if ARGV[2] ~= '' then max = '(' .. ARGV[2] end
local want = {queue = ARGV[5], status = ARGV[6], channel = ARGV[7], assignee = ARGV[8]}
local out = {''}
local found, examined, last = 0, 0, nil
while found < limit and examined < budget do
  local ids = redis.call('ZREVRANGEBYSCORE', KEYS[1], max, '-inf', 'LIMIT', 0, 100)
  if #ids == 0 then break end
  for _, id in ipairs(ids) do
    examined = examined + 1
    last = id
    local f = redis.call('HMGET', tkey(id), 'queue', 'status', 'channel', 'assignee')
    if (want.queue == '' or f[1] == want.queue) and (want.status == '' or f[2] == want.status)
      and (want.channel == '' or f[3] == want.channel)
      and (want.assignee == '' or f[4] == want.assignee) then
      local all = redis.call('HGETALL', tkey(id))
      table.insert(out, all)
      table.insert(out, customer_of(all))
      found = found + 1
      if found == limit then break end
    end
    if examined >= budget then break end
  end
  max = '(' .. last
end
-- A further page exists if anything older than the last id examined remains.
if last and #redis.call('ZREVRANGEBYSCORE', KEYS[1], '(' .. last, '-inf', 'LIMIT', 0, 1) > 0 then
  out[1] = last
end
return out
