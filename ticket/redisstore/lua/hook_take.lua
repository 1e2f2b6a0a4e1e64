-- hook_take: give the ticket whose next webhook event for a hook is due
-- first to a delivery worker, under a lease, by Redis's clock. Only the head
-- of a ticket's list is ever given out, and the ticket stays in the due set
-- scored by the lease's end while a worker has it, so a ticket's events go
-- one at a time, in order, and a worker that stops leaves its event to be
-- taken again when its lease ends (the attempt is logged as lost).
-- KEYS[1] base..'hook:'..HOOK..':due'
-- ARGV: 1 base, 2 hook id, 3 lease ms, 4 hold (the worker's random claim),
-- 5 log size.
-- Returns {ticket id, event JSON, attempt, hold}, or false when nothing is due.
local hook = ARGV[2]
local now, now_rfc = clock()
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, 20)
for _, id in ipairs(due) do
  local head = redis.call('LINDEX', tkey(id) .. ':hook:' .. hook, 0)
  if not head then
    -- Delivered already, or the ticket is gone (erased).
    redis.call('ZREM', KEYS[1], id)
    redis.call('HDEL', tkey(id) .. ':hooks', hook)
  else
    local st = hook_state(id, hook)
    if st.hold then
      local ok, e = pcall(cjson.decode, head)
      if ok and type(e) == 'table' then
        hook_log(hook, {at = now_rfc, ticket = id, seq = e.seq, event = e.event, attempt = st.attempts,
          result = 'lost', status = 0, ms = 0,
          error = 'no answer recorded: the instance delivering it stopped or lost Redis'}, tonumber(ARGV[5]))
      end
    end
    st.attempts = (tonumber(st.attempts) or 0) + 1
    st.hold = ARGV[4]
    st.lease = now + tonumber(ARGV[3])
    save_hook_state(id, hook, st)
    redis.call('ZADD', KEYS[1], st.lease, id)
    return {id, head, tostring(st.attempts), ARGV[4]}
  end
end
return false
