-- outbox_take: give the outbound message due first to a delivery worker under
-- a lease. The outbox scores a queued message by when its next try is due, and
-- a taken one by when its worker's lease ends, so the entries due now are the
-- ones to try and the ones whose worker stopped. Times are Redis's own (TIME).
-- KEYS[1] base..'outbox'
-- ARGV: 1 base, 2 lease ms, 3 hold (the worker's random claim).
-- Returns {ticket id, message id, attempt, first queued ms, hold}, false
-- when nothing is due, or {'again'} when it cleared its budget of dead
-- entries without finding one due.
local now, now_rfc = clock()
local lease = tonumber(ARGV[2])
-- Entries that are not the outbox's any more (settled, their ticket gone) or
-- whose worker stopped are cleared on the way, at most budget of them per
-- call so that the script stays short; then it answers 'again' and the
-- caller calls once more at once: no number of dead entries keeps a new
-- message waiting for a later poll.
local budget = 500
while budget > 0 do
  local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, math.min(budget, 100))
  if #due == 0 then return false end
  for _, ref in ipairs(due) do
    local sep = string.find(ref, ' ', 1, true)
    local tid, mid = string.sub(ref, 1, (sep or 1) - 1), string.sub(ref, (sep or 0) + 1)
    local d = sep and outbox_entry(tid, mid)
    if d and d.delivery == 'queued' then
      d.attempts = (tonumber(d.attempts) or 0) + 1
      d.hold = ARGV[3]
      d.lease = now + lease
      if not d.first then d.first = now end
      save_outbox_entry(tid, mid, d)
      redis.call('ZADD', KEYS[1], d.lease, ref)
      return {tid, mid, tostring(d.attempts), tostring(d.first), ARGV[3]}
    elseif d and d.delivery == 'sending' then
      -- Its worker stopped in the middle of the send: whether the server got
      -- it, nobody knows. Never sent again by itself; a person decides.
      d.delivery = 'unknown'
      d.detail = 'the sending was cut off (the instance sending it stopped); it may or may not have arrived'
      d.at = now_rfc
      d.cut, d.hold, d.lease = d.hold, nil, nil
      save_outbox_entry(tid, mid, d)
      redis.call('ZREM', KEYS[1], ref)
      redis.call('HSET', tkey(tid), 'updated', now)
      event(tid, now_rfc, 'delivery', 'frontdesk', outbound_name(tid, mid) .. ': unknown: ' .. d.detail)
    else
      -- Settled already, or its ticket is gone: not the outbox's any more.
      redis.call('ZREM', KEYS[1], ref)
    end
    budget = budget - 1
  end
end
return {'again'}
