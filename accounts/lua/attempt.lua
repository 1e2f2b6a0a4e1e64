-- attempt: count one password attempt against the client's address and the
-- name, unless the address has had its attempts. Each count lives for the
-- lock window from its first attempt; settle.lua takes an attempt back.
-- KEYS[1] P:accounts:{users}:client:ADDRESS
-- KEYS[2] P:accounts:{users}:failures:NAME (absent for a name no user can have)
-- ARGV: 1 the window (ms), 2 the attempts an address may have in the window.
-- Returns {the name's attempts in the window, this one included (0 without
-- KEYS[2]), the address's}; {-1, the address's} when the address has had
-- its attempts: then nothing is counted.
local function count(k)
  local ttl = redis.call('PTTL', k)
  local n = redis.call('INCR', k)
  if ttl < 0 then redis.call('PEXPIRE', k, ARGV[1]) end
  return n
end
local c = tonumber(redis.call('GET', KEYS[1]) or '0')
if c >= tonumber(ARGV[2]) then return {-1, c} end
local n = 0
if KEYS[2] then n = count(KEYS[2]) end
return {n, count(KEYS[1])}
