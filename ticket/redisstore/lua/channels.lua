-- channels: how many of the first tickets waiting in a queue came by each
-- channel, without reading the tickets themselves.
-- KEYS[1] base..'queue:'..Q; ARGV: 1 base, 2 limit.
-- Returns {channel1, count1, channel2, count2, …}.
local counts = {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[2]) - 1)) do
  local ch = redis.call('HGET', tkey(id), 'channel')
  if ch then counts[ch] = (counts[ch] or 0) + 1 end
end
local out = {}
for ch, n in pairs(counts) do
  table.insert(out, ch)
  table.insert(out, n)
end
return out
