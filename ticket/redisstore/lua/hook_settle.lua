-- hook_settle: record how one delivery attempt of a webhook event ended.
-- KEYS[1] base..'hook:'..HOOK..':due'
-- ARGV: 1 base, 2 hook id, 3 ticket id, 4 hold, 5 seq, 6 result
-- (delivered | failed), 7 HTTP status (0: none), 8 duration ms, 9 error,
-- 10 retry delay ms, 11 max age ms (an event failing after this long since
-- it happened is dead), 12 log size.
-- delivered, and dead: the event leaves the ticket's list (a dead one is
-- kept in hook:HOOK:dead), and the ticket's next event is due at once.
-- failed: the same event is due again after the delay, at the latest when
-- its max age is reached. Checks the hold and that the event is still the
-- head, so a worker whose lease ran out settles nothing (CONFLICT).
-- Returns the result: delivered, failed or dead.
local hook, id, result = ARGV[2], ARGV[3], ARGV[6]
local list = tkey(id) .. ':hook:' .. hook
local st = hook_state(id, hook)
local head = redis.call('LINDEX', list, 0)
local ok, e = false, nil
if head then ok, e = pcall(cjson.decode, head) end
if st.hold ~= ARGV[4] or not ok or type(e) ~= 'table' or tostring(e.seq) ~= ARGV[5] then
  return redis.error_reply('CONFLICT webhook event ' .. id .. '-' .. ARGV[5] .. ' is no longer held by this worker')
end
if result ~= 'delivered' and result ~= 'failed' then
  return redis.error_reply('ERR unknown webhook result ' .. result)
end
local now, now_rfc = clock()
local max_age = tonumber(ARGV[11])
local first = tonumber(e.ms) or now
if result == 'failed' and now - first >= max_age then result = 'dead' end
hook_log(hook, {at = now_rfc, ticket = id, seq = e.seq, event = e.event, attempt = st.attempts,
  result = result, status = tonumber(ARGV[7]), ms = tonumber(ARGV[8]), error = ARGV[9]}, tonumber(ARGV[12]))
if result == 'failed' then
  st.hold, st.lease = nil, nil
  st.error = ARGV[9]
  st.next = math.min(now + tonumber(ARGV[10]), first + max_age)
  save_hook_state(id, hook, st)
  redis.call('ZADD', KEYS[1], st.next, id)
  return result
end
redis.call('LPOP', list)
if result == 'dead' then
  local k = base .. 'hook:' .. hook .. ':dead'
  redis.call('LPUSH', k, cjson.encode({at = now_rfc, ticket = id, seq = e.seq, event = e.event,
    happened = e.at, attempts = st.attempts, error = ARGV[9], entry = head}))
  redis.call('LTRIM', k, 0, 999)
end
redis.call('HDEL', tkey(id) .. ':hooks', hook)
if redis.call('LLEN', list) > 0 then
  redis.call('ZADD', KEYS[1], now, id)
else
  redis.call('ZREM', KEYS[1], id)
end
return result
