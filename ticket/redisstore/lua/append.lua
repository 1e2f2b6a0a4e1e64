-- append: add a message to a ticket, once per source key. An inbound message
-- from a person reopens a pending or closed ticket (an auto-reply or a bounce
-- does not); an outbound one is the ticket's first response for its SLA.
-- KEYS[1] base..'sources'
-- ARGV: 1 base, 2 source key, 3 now ms, 4 now RFC 3339, 5 ticket id,
-- 6 message JSON (empty id), 7 direction, 8 Message-ID or '', 9 attachments JSON,
-- 10 by, 11 kind. Returns {ticket id, message id, 1 created | 0 found}.
local prev = redis.call('HGET', KEYS[1], ARGV[2])
if prev then
  local sep = string.find(prev, ' ', 1, true)
  return {string.sub(prev, 1, sep - 1), string.sub(prev, sep + 1), '0'}
end
local now_ms, now_rfc, id = ARGV[3], ARGV[4], ARGV[5]
local k = tkey(id)
local f = redis.call('HMGET', k, 'status', 'queue', 'priority', 'created', 'assignee')
if not f[1] then return redis.error_reply('NOTFOUND ticket ' .. id) end
local atts = cjson.decode(ARGV[9])

local mid = 'm' .. redis.call('HINCRBY', k, 'msgseq', 1)
redis.call('RPUSH', k .. ':messages', with_id(ARGV[6], mid))
for _, a in ipairs(atts) do redis.call('HSET', k .. ':attachments', a.id, a.meta) end
if ARGV[8] ~= '' then redis.call('HSETNX', base .. 'msgid', ARGV[8], id .. ' ' .. mid) end
redis.call('HSET', k, 'updated', now_ms)
local status, queue = f[1], f[2]
local machine = ARGV[11] == 'auto_reply' or ARGV[11] == 'bounce'
if ARGV[7] == 'in' and not machine and (status == 'pending' or status == 'closed') then
  local to = 'new'
  if f[5] and f[5] ~= '' then to = 'open' end
  redis.call('HSET', k, 'status', to)
  place(id, queue, to, f[3], f[4])
  event(id, now_rfc, 'status', 'frontdesk', 'reopened: ' .. status .. ' -> ' .. to)
elseif ARGV[7] == 'out' and redis.call('ZREM', base .. 'queue:' .. queue .. ':sla', id) == 1 then
  redis.call('HSET', k, 'first_response', now_ms)
end
event(id, now_rfc, 'message', ARGV[10], ARGV[7] .. ' ' .. mid)
redis.call('HSET', KEYS[1], ARGV[2], id .. ' ' .. mid)
return {id, mid, '1'}
