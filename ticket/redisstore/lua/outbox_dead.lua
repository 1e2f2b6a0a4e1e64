-- outbox_dead: the dead list, the sends that ended failed or unknown, oldest
-- first, with their state; entries no longer failed or unknown (settled
-- since, their ticket gone) are dropped on the way.
-- KEYS[1] base..'outbox:dead'
-- ARGV: 1 base, 2 offset, 3 limit.
-- Returns a flat list: ticket id, message id, state, detail, at (RFC 3339),
-- attempts, dead since (ms), and the total count first.
local out = {}
local refs = redis.call('ZRANGE', KEYS[1], tonumber(ARGV[2]), tonumber(ARGV[2]) + tonumber(ARGV[3]) - 1, 'WITHSCORES')
for i = 1, #refs, 2 do
  local ref = refs[i]
  local sep = string.find(ref, ' ', 1, true)
  local tid, mid = string.sub(ref, 1, (sep or 1) - 1), string.sub(ref, (sep or 0) + 1)
  local d = sep and outbox_entry(tid, mid)
  if d and (d.delivery == 'failed' or d.delivery == 'unknown') then
    for _, v in ipairs({tid, mid, d.delivery, d.detail or '', d.at or '', tostring(d.attempts or 0), refs[i + 1]}) do
      out[#out + 1] = v
    end
  else
    redis.call('ZREM', KEYS[1], ref)
  end
end
table.insert(out, 1, tostring(redis.call('ZCARD', KEYS[1])))
return out
