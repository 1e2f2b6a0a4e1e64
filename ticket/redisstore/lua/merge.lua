-- merge: move every message of one ticket onto another. The merged ticket is
-- closed, keeps its timeline and points to the other (merged_into); its
-- messages get new ids on the other, and ID:moved maps the old ids to the new
-- ones, so that later writes naming them (a transcript, a recording, a
-- delivery report) and later mail threading to the merged ticket land on the
-- one left (follow in the prelude). Refused while a reply on the merged ticket
-- is still being sent: its delivery worker names it by ticket and message.
-- KEYS[1] the merged ticket's key
-- ARGV: 1 base, 2 merged ticket id, 3 id of the ticket to merge into, 4 by,
-- 5 now ms, 6 now RFC 3339.
-- Returns {the id of the ticket left, how many messages moved}.
local src, by, now_ms, now_rfc = ARGV[2], ARGV[4], ARGV[5], ARGV[6]
local sf = redis.call('HMGET', KEYS[1], 'status', 'queue', 'priority', 'created', 'assignee', 'merged_into')
if not sf[1] then return redis.error_reply('NOTFOUND ticket ' .. src) end
if sf[6] and sf[6] ~= '' then
  return redis.error_reply('CONFLICT ticket ' .. src .. ' was merged into #' .. sf[6] .. ' already')
end
local into = follow(ARGV[3])
if into == src and ARGV[3] ~= src then
  return redis.error_reply('CONFLICT ticket ' .. ARGV[3] .. ' was merged into #' .. src .. ' already')
end
if into == src then return redis.error_reply('CONFLICT a ticket cannot be merged into itself') end
local ik = tkey(into)
local tf = redis.call('HMGET', ik, 'status', 'queue', 'priority', 'created', 'assignee')
if not tf[1] then return redis.error_reply('NOTFOUND ticket ' .. ARGV[3]) end

local deliveries = redis.call('HGETALL', KEYS[1] .. ':delivery')
for i = 2, #deliveries, 2 do
  local ok, d = pcall(cjson.decode, deliveries[i])
  if ok and type(d) == 'table' and (d.delivery == 'queued' or d.delivery == 'sending') then
    return redis.error_reply('CONFLICT a reply on ticket ' .. src .. ' is still being sent; merge it when it has gone')
  end
end
local msgs = redis.call('LRANGE', KEYS[1] .. ':messages', 0, -1)
for i, raw in ipairs(msgs) do
  local head = '{"id":"m' .. i .. '"'
  if string.sub(raw, 1, #head) ~= head then
    return redis.error_reply('ERR message ' .. i .. ' of ticket ' .. src .. ' is not stored as expected')
  end
end

-- Reads and checks done; from here on only writes that cannot fail.
local moved = {}
for i, raw in ipairs(msgs) do
  local old = 'm' .. i
  local new = 'm' .. redis.call('HINCRBY', ik, 'msgseq', 1)
  moved[old] = new
  redis.call('RPUSH', ik .. ':messages', '{"id":"' .. new .. '"' .. string.sub(raw, #old + 9))
  redis.call('HSET', KEYS[1] .. ':moved', old, new)
  local ok, m = pcall(cjson.decode, raw)
  if ok and type(m) == 'table' and type(m.message_id) == 'string' and m.message_id ~= '' then
    local idx = base .. 'msgid'
    if redis.call('HGET', idx, m.message_id) == src .. ' ' .. old then
      redis.call('HSET', idx, m.message_id, into .. ' ' .. new)
    end
  end
end
local dead = base .. 'outbox:dead'
for i = 1, #deliveries, 2 do
  local new = moved[deliveries[i]] or deliveries[i]
  redis.call('HSET', ik .. ':delivery', new, deliveries[i + 1])
  -- A dead send (failed, unknown, not dismissed) stays on the dead list,
  -- named where it is now, dead since when it was.
  local since = redis.call('ZSCORE', dead, src .. ' ' .. deliveries[i])
  if since then
    redis.call('ZREM', dead, src .. ' ' .. deliveries[i])
    redis.call('ZADD', dead, since, into .. ' ' .. new)
  end
end
local transcripts = redis.call('HGETALL', KEYS[1] .. ':transcripts')
for i = 1, #transcripts, 2 do
  redis.call('HSET', ik .. ':transcripts', moved[transcripts[i]] or transcripts[i], transcripts[i + 1])
end
for _, late in ipairs(redis.call('LRANGE', KEYS[1] .. ':late', 0, -1)) do
  local sep = string.find(late, ' ', 1, true)
  if sep then
    local mid = string.sub(late, 1, sep - 1)
    redis.call('RPUSH', ik .. ':late', (moved[mid] or mid) .. string.sub(late, sep))
  end
end
-- Whom the merged ticket was forwarded to: their answers are not the
-- customer's on the ticket left either.
if redis.call('EXISTS', KEYS[1] .. ':forwarded') == 1 then
  redis.call('SUNIONSTORE', ik .. ':forwarded', ik .. ':forwarded', KEYS[1] .. ':forwarded')
end
local atts = redis.call('HGETALL', KEYS[1] .. ':attachments')
for i = 1, #atts, 2 do redis.call('HSET', ik .. ':attachments', atts[i], atts[i + 1]) end
redis.call('DEL', KEYS[1] .. ':messages', KEYS[1] .. ':delivery', KEYS[1] .. ':transcripts', KEYS[1] .. ':late')
search_merge(src, into)

-- The merged ticket: closed, out of every queue and list, pointing on.
unwake(src)
redis.call('HSET', KEYS[1], 'status', 'closed', 'merged_into', into, 'updated', now_ms)
redis.call('HDEL', KEYS[1], 'lease', 'head')
redis.call('ZREM', base .. 'leases', src)
redis.call('ZREM', base .. 'queue:' .. sf[2] .. ':sla', src)
place(src, sf[2], 'closed', sf[3], sf[4])
index_assignee(src, sf[5], '', 'closed')
local n = #msgs
local what = n .. ' messages'
if n == 1 then what = '1 message' end
event(src, now_rfc, 'merged', by, 'into #' .. into .. ', with its ' .. what)

-- The ticket left: it has the messages now, and a closed one is open again
-- when the merged one was not done.
redis.call('HSET', ik, 'updated', now_ms, 'merged', 1)
if tf[1] == 'closed' and sf[1] ~= 'closed' then
  local to = 'new'
  if tf[5] and tf[5] ~= '' then to = 'open' end
  redis.call('HSET', ik, 'status', to)
  place(into, tf[2], to, tf[3], tf[4])
  index_assignee(into, tf[5], tf[5], to)
  event(into, now_rfc, 'status', by, 'reopened by the merge: closed -> ' .. to)
end
event(into, now_rfc, 'merged', by, '#' .. src .. ' merged into this ticket: ' .. what)
return {into, n}
