-- erase: erase a ticket's content (tickets.retention, `customers forget`).
-- Mode 'purge' (retention) leaves nothing of the ticket: its record, messages,
-- timeline, attachments' metadata and every index entry naming it go; only
-- the ticket counter, which is never lowered, remembers the number, so it is
-- never handed out again. Mode 'redact' (a customer's right to erasure) keeps
-- a closed shell (number, channel, queue, priority, dates) with a timeline
-- stripped of details and one 'erased' event saying who erased it and when.
-- Either way the threading index (msgid) and the thread keys lose the
-- ticket's messages, so mail answering them makes a new ticket. The keys in
-- other hash slots that held the ticket's bytes (attachments and original
-- mail, P:blob:{ID}, and a call's P:twilio:call:{SID}) are added to
-- erase:pending, which the caller deletes and then empties (DrainErased):
-- a crash in between leaves them listed, never forgotten.
-- The idempotency index (sources) is left alone here: for a redacted ticket
-- it keeps a redelivery of the same input from filing it again; for a
-- purged one SweepErasedEntries drops it later.
-- KEYS[1] the ticket's key
-- ARGV: 1 base, 2 ticket id, 3 'purge' | 'redact', 4 by, 5 closed-before ms
-- (purge only a closed ticket last changed before this; '0' any), 6 now ms,
-- 7 now RFC 3339, 8 key prefix (P), 9 JSON list of user names whose mentions
-- lists may name the ticket, 10 the erased event's detail, 11 JSON list of
-- the ticket's search terms (those only it has leave the dictionary).
-- Returns 'erased', 'skipped' (not due: open, or changed since) or 'none' (no
-- such ticket, or redacted already).
local id, mode, by = ARGV[2], ARGV[3], ARGV[4]
local before, now_ms, now_rfc, prefix = tonumber(ARGV[5]), ARGV[6], ARGV[7], ARGV[8]
local k = KEYS[1]
local f = redis.call('HMGET', k, 'status', 'queue', 'priority', 'created', 'assignee', 'updated', 'customer',
  'merged_into', 'erased')
if not f[1] then return 'none' end
if mode == 'redact' and f[9] and f[9] ~= '' then return 'none' end
if mode == 'purge' and before > 0 and (f[1] ~= 'closed' or tonumber(f[6] or '0') >= before) then
  return 'skipped'
end
local users = cjson.decode(ARGV[9])
local msgs = redis.call('LRANGE', k .. ':messages', 0, -1)

-- Reads and checks done; from here on only writes that cannot fail.
local pending = base .. 'erase:pending'
local function later(key) redis.call('SADD', pending, key) end
local function drop_thread(key)
  if redis.call('GET', key) == id then redis.call('DEL', key) end
end
-- A merged ticket's attachments went to the ticket it was merged into, and
-- their bytes with them.
if not f[8] or f[8] == '' then
  for _, aid in ipairs(redis.call('HKEYS', k .. ':attachments')) do later(prefix .. ':blob:{' .. aid .. '}') end
end
for _, late in ipairs(redis.call('LRANGE', k .. ':late', 0, -1)) do
  local sep = string.find(late, ' ', 1, true)
  if sep then
    local ok, a = pcall(cjson.decode, string.sub(late, sep + 1))
    if ok and type(a) == 'table' and type(a.id) == 'string' then later(prefix .. ':blob:{' .. a.id .. '}') end
  end
end
for _, raw in ipairs(msgs) do
  local ok, m = pcall(cjson.decode, raw)
  if ok and type(m) == 'table' then
    if type(m.message_id) == 'string' and m.message_id ~= '' then
      local v = redis.call('HGET', base .. 'msgid', m.message_id)
      if v and string.sub(v, 1, #id + 1) == id .. ' ' then redis.call('HDEL', base .. 'msgid', m.message_id) end
    end
    if type(m.meta) == 'table' and type(m.meta.call_sid) == 'string' and m.meta.call_sid ~= '' then
      drop_thread(base .. 'thread:call:' .. m.meta.call_sid)
      later(prefix .. ':twilio:call:{' .. m.meta.call_sid .. '}')
    end
    if m.direction == 'in' and type(m.from) == 'string' and type(m.to) == 'table' then
      for _, to in ipairs(m.to) do
        if type(to) == 'string' then drop_thread(base .. 'thread:sms:' .. m.from .. ':' .. to) end
      end
    end
  end
end
for _, mid in ipairs(redis.call('HKEYS', k .. ':delivery')) do
  redis.call('ZREM', base .. 'outbox', id .. ' ' .. mid)
  redis.call('ZREM', base .. 'outbox:dead', id .. ' ' .. mid)
end

-- Out of every queue, list and index.
unwake(id)
redis.call('ZREM', base .. 'callbacks', id)
redis.call('ZREM', base .. 'leases', id)
redis.call('ZREM', base .. 'queue:' .. f[2] .. ':sla', id)
place(id, f[2], 'closed', f[3], f[4])
index_assignee(id, f[5], '', 'closed')
for _, name in ipairs(users) do redis.call('ZREM', base .. 'mentions:' .. name, id) end
if f[7] and f[7] ~= '' then
  redis.call('ZREM', base .. 'customer:' .. f[7] .. ':ticket_ids', id)
  redis.call('SREM', base .. 'customer:' .. f[7] .. ':tickets', id)
end
erase_ticket_index(id, cjson.decode(ARGV[11] or '[]'))
redis.call('DEL', k .. ':messages', k .. ':attachments', k .. ':forwarded', k .. ':viewers', k .. ':delivery',
  k .. ':transcripts', k .. ':late', k .. ':moved')

if mode == 'purge' then
  redis.call('DEL', k, k .. ':events')
  redis.call('ZREM', base .. 'tickets', id)
  return 'erased'
end

-- The shell: what the ticket was, never who or what about.
local evs = redis.call('LRANGE', k .. ':events', 0, -1)
redis.call('DEL', k .. ':events')
for _, raw in ipairs(evs) do
  local ok, e = pcall(cjson.decode, raw)
  if ok and type(e) == 'table' and type(e.at) == 'string' and type(e.type) == 'string' then
    -- Who acted stays when it is one of the desk's own (a user, intake,
    -- routing), never an address or a number.
    local who = ''
    if type(e.by) == 'string' and string.match(e.by, '^[%a][%w%._:%-]*$') then who = e.by end
    redis.call('RPUSH', k .. ':events', cjson.encode({at = e.at, type = e.type, by = who, detail = ''}))
  end
end
-- Of the record, only these fields stay: nothing in them is about the
-- customer (a new field is dropped unless it is added here).
local keep = {id = true, channel = true, queue = true, priority = true, created = true, msgseq = true,
  mailbox = true, tags = true, merged_into = true, merged = true, first_response = true, breached = true}
local fields = redis.call('HGETALL', k)
redis.call('DEL', k)
local shell = {}
for i = 1, #fields, 2 do
  if keep[fields[i]] then table.insert(shell, fields[i]); table.insert(shell, fields[i + 1]) end
end
redis.call('HSET', k, 'status', 'closed', 'assignee', '', 'customer', '', 'subject', '', 'erased', now_ms,
  'updated', now_ms, unpack(shell))
event(id, now_rfc, 'erased', by, ARGV[10])
return 'erased'
