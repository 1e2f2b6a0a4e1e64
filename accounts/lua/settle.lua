-- settle: the end of a password attempt that attempt.lua counted.
-- 'right' (the password was right): the attempt no longer counts against
-- the address, and the name's count is cleared; 'unchecked' (no password
-- was checked: too busy, or Redis failed): it counts against neither.
-- KEYS[1] P:accounts:{users}:client:ADDRESS
-- KEYS[2] P:accounts:{users}:failures:NAME (absent for a name no user can have)
-- ARGV: 1 'right' or 'unchecked'.
-- A count is only ever lowered while it is above 0, and keeps its TTL.
local function uncount(k)
  local n = tonumber(redis.call('GET', k))
  if n and n > 0 then redis.call('DECR', k) end
end
uncount(KEYS[1])
if KEYS[2] then
  if ARGV[1] == 'right' then redis.call('DEL', KEYS[2]) else uncount(KEYS[2]) end
end
return 1
