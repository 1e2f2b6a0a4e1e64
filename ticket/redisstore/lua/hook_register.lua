-- hook_register: say which hooks want which events, replacing what was
-- registered before (each instance does so as it starts, from its
-- configuration). Events of a hook no longer registered are no longer
-- recorded; those it has waiting stay until it is registered again.
-- KEYS[1] base..'hooks'
-- ARGV: 1 base, then pairs of hook id, ' EVENT EVENT … '.
redis.call('DEL', KEYS[1])
for i = 2, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
return 1
