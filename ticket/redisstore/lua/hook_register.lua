-- hook_register: say which hooks want which events, replacing what was
-- registered before (each instance does so as it starts, from its
-- configuration). Events of a hook no longer registered are no longer
-- recorded; those it has waiting stay until it is registered again. Such a
-- hook goes into hooks:retired, so that erasing a ticket still finds its
-- events (erase_index.lua).
-- KEYS[1] base..'hooks'
-- ARGV: 1 base, then pairs of hook id, ' EVENT EVENT … '.
local retired = base .. 'hooks:retired'
local now = {}
for i = 2, #ARGV, 2 do now[ARGV[i]] = true end
for _, old in ipairs(redis.call('HKEYS', KEYS[1])) do
  if not now[old] then redis.call('SADD', retired, old) end
end
redis.call('DEL', KEYS[1])
for i = 2, #ARGV, 2 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
  redis.call('SREM', retired, ARGV[i])
end
return 1
