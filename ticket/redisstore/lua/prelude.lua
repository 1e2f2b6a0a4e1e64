-- Shared by every frontdesk store script. ARGV[1] is the key base
-- "PREFIX:{desk}:"; every key a script touches starts with it, so all of them
-- share one Redis Cluster hash slot and each script is one atomic step.
-- Scripts do every read and check before their first write: Redis does not roll
-- back a script that fails halfway, so nothing after the first write may fail.
local base = ARGV[1]

local function tkey(id) return base .. 'ticket:' .. id end

local rank = {urgent = 0, high = 1, normal = 2, low = 3}
local SCORE_BAND = 10000000000000 -- 1e13 ms: priority band width in a queue zset

-- waiting_score orders a queue: priority first, then age (created, in ms).
-- A ticket put at the head of its queue (a snooze or call-back come due: its
-- field head holds that time) waits before every other, in the order they
-- came due: its score is below the urgent band's.
local function waiting_score(priority, created, head)
  if head then return tonumber(head) - SCORE_BAND end
  return (rank[priority] or 2) * SCORE_BAND + tonumber(created)
end

-- place keeps a ticket's queue indexes in step with its status: a ticket waits in
-- queue:Q exactly while it is new, and is in queue:Q:active while open or pending.
-- A ticket that stops waiting loses its place at the head of the queue.
local function place(id, queue, status, priority, created)
  local q = base .. 'queue:' .. queue
  redis.call('ZREM', q, id)
  redis.call('SREM', q .. ':active', id)
  if status == 'new' then
    redis.call('ZADD', q, waiting_score(priority, created, redis.call('HGET', tkey(id), 'head')), id)
  else
    redis.call('HDEL', tkey(id), 'head')
    if status == 'open' or status == 'pending' then
      redis.call('SADD', q .. ':active', id)
    end
  end
end

-- index_assignee keeps assignee:NAME:open, the tickets an assistant has that
-- are not done (open or pending), in step with a change of assignee or status.
local function index_assignee(id, old, new, status)
  if old and old ~= '' then redis.call('SREM', base .. 'assignee:' .. old .. ':open', id) end
  if new and new ~= '' and (status == 'open' or status == 'pending') then
    redis.call('SADD', base .. 'assignee:' .. new .. ':open', id)
  end
end

-- hook_event records an event for the outgoing webhooks that want it; set
-- by hooks.lua, which follows this prelude.
local hook_event

local function event(id, at, typ, by, detail)
  redis.call('RPUSH', tkey(id) .. ':events',
    cjson.encode({at = at, type = typ, by = by, detail = detail}))
  if hook_event then hook_event(id, at, typ, by, detail) end
end

-- follow returns where a ticket, and one of its messages, are now: a merged
-- ticket's messages moved onto the ticket it was merged into, under new ids
-- (its hash ID:moved maps old to new). A chain of merges is followed.
local function follow(tid, mid)
  for _ = 1, 20 do
    local into = redis.call('HGET', tkey(tid), 'merged_into')
    if not into or into == '' then break end
    if mid then mid = redis.call('HGET', tkey(tid) .. ':moved', mid) or mid end
    tid = into
  end
  return tid, mid
end

-- unwake takes a ticket off the wake index: its snooze or call-back is over
-- or cancelled.
local function unwake(id)
  local k = tkey(id)
  local f = redis.call('HMGET', k, 'wake_kind', 'wake_by')
  if f[1] == 'snooze' and f[2] and f[2] ~= '' then
    redis.call('ZREM', base .. 'snoozed:' .. f[2], id)
  end
  redis.call('ZREM', base .. 'wakes', id)
  redis.call('HDEL', k, 'wake_at', 'wake_kind', 'wake_by', 'wake_note')
end

-- wake_due wakes up to limit tickets whose snooze or call-back time has
-- come: each waits at the head of its queue, unassigned, with a
-- snooze_ended or callback_due event. A closed ticket is only taken off
-- the index.
local function wake_due(now_ms, now_rfc, limit)
  local ids = redis.call('ZRANGEBYSCORE', base .. 'wakes', '-inf', now_ms, 'LIMIT', 0, limit)
  for _, id in ipairs(ids) do
    local k = tkey(id)
    local f = redis.call('HMGET', k, 'status', 'queue', 'priority', 'created', 'assignee', 'wake_at',
      'wake_kind', 'wake_by', 'wake_note')
    unwake(id)
    if f[1] and f[1] ~= 'closed' then
      redis.call('HSET', k, 'status', 'new', 'assignee', '', 'head', f[6] or now_ms, 'updated', now_ms)
      redis.call('HDEL', k, 'lease')
      redis.call('ZREM', base .. 'leases', id)
      place(id, f[2], 'new', f[3], f[4])
      index_assignee(id, f[5], '', 'new')
      local typ, detail = 'snooze_ended', 'back at the head of queue ' .. f[2]
      if f[7] == 'callback' then
        typ, detail = 'callback_due', 'call back now; at the head of queue ' .. f[2]
        if f[9] and f[9] ~= '' then detail = detail .. ': ' .. f[9] end
      end
      event(id, now_rfc, typ, 'frontdesk', detail)
    end
  end
  return #ids
end

-- expire_leases returns up to limit tickets whose lease ran out to their queue.
local function expire_leases(now_ms, now_rfc, limit)
  local ids = redis.call('ZRANGEBYSCORE', base .. 'leases', '-inf', now_ms, 'LIMIT', 0, limit)
  local n = 0
  for _, id in ipairs(ids) do
    local f = redis.call('HMGET', tkey(id), 'status', 'queue', 'priority', 'created', 'lease', 'assignee')
    redis.call('ZREM', base .. 'leases', id)
    if f[1] == 'open' and f[5] and tonumber(f[5]) <= tonumber(now_ms) then
      redis.call('HSET', tkey(id), 'status', 'new', 'assignee', '', 'updated', now_ms)
      redis.call('HDEL', tkey(id), 'lease')
      place(id, f[2], 'new', f[3], f[4])
      index_assignee(id, f[6], '', 'new')
      event(id, now_rfc, 'lease_expired', 'frontdesk', 'back to queue ' .. f[2] .. ' from ' .. (f[6] or ''))
      n = n + 1
    end
  end
  return n
end

-- find_customer returns the id of the customer known by email or phone, or nil.
local function find_customer(email, phone)
  local cid = false
  if email ~= '' then cid = redis.call('HGET', base .. 'customers:email', email) end
  if not cid and phone ~= '' then cid = redis.call('HGET', base .. 'customers:phone', phone) end
  return cid
end

-- MAX_IDS is how many addresses, and how many numbers, a customer may have.
local MAX_IDS = 20

-- customer_ids returns the addresses (kind 'email') or numbers ('phone') of
-- the customer with hash key k, in the order they became known: the JSON list
-- in field emails or phones, joined by the single field email or phone, which
-- is all a record written before customers had several holds (and what an
-- older instance may still set). Lists are read lazily this way and written
-- whole by save_customer_ids, so old records need no migration.
local function customer_ids(k, kind)
  local f = redis.call('HMGET', k, kind .. 's', kind)
  local list, seen = {}, {}
  if f[1] and f[1] ~= '' then
    local ok, v = pcall(cjson.decode, f[1])
    if ok and type(v) == 'table' then
      for _, x in ipairs(v) do
        if type(x) == 'string' and not seen[x] then table.insert(list, x); seen[x] = true end
      end
    end
  end
  if f[2] and f[2] ~= '' and not seen[f[2]] then table.insert(list, 1, f[2]) end
  return list
end

-- save_customer_ids writes a customer's list of one kind, and its first entry
-- as the single field that older readers know.
local function save_customer_ids(k, kind, list)
  local json = '[]'
  if #list > 0 then json = cjson.encode(list) end
  redis.call('HSET', k, kind .. 's', json, kind, list[1] or '')
end

local function contains(list, v)
  for _, x in ipairs(list) do if x == v then return true end end
  return false
end

-- customer_event adds an entry to customer cid's history, which keeps the
-- latest 200.
local function customer_event(cid, at, typ, by, detail)
  local k = base .. 'customer:' .. cid .. ':events'
  redis.call('RPUSH', k, cjson.encode({at = at, type = typ, by = by, detail = detail}))
  redis.call('LTRIM', k, -200, -1)
end

-- add_customer_id gives customer cid the address or number v of kind ('email'
-- or 'phone') unless another customer has it, cid has it already, or cid has
-- MAX_IDS of that kind; it reports whether it added it. An index entry that
-- names cid for a value its list lacks (written before customers had several)
-- is mended by adding the value to the list.
local function add_customer_id(cid, kind, v)
  local k = base .. 'customer:' .. cid
  local index = base .. 'customers:' .. kind
  local owner = redis.call('HGET', index, v)
  if owner and owner ~= cid then return false end
  local list = customer_ids(k, kind)
  if contains(list, v) then
    if not owner then redis.call('HSET', index, v, cid) end
    return false
  end
  if #list >= MAX_IDS then return false end
  table.insert(list, v)
  save_customer_ids(k, kind, list)
  redis.call('HSET', index, v, cid)
  return true
end

-- add_customer_ticket lists ticket id among customer cid's tickets, which
-- are kept by number (newest first is highest first).
local function add_customer_ticket(cid, id)
  redis.call('ZADD', base .. 'customer:' .. cid .. ':ticket_ids', id, id)
end

-- upsert_customer records what is newly learnt about a customer — a name
-- where there was none, an address or number not yet theirs and nobody
-- else's — creating the record if there is none, and returns its id.
local function upsert_customer(cid, c, now_ms)
  local k
  if not cid then
    cid = tostring(redis.call('INCR', base .. 'seq:customer'))
    k = base .. 'customer:' .. cid
    redis.call('HSET', k, 'name', c.name, 'created', now_ms)
  else
    k = base .. 'customer:' .. cid
    if c.name ~= '' and (redis.call('HGET', k, 'name') or '') == '' then redis.call('HSET', k, 'name', c.name) end
  end
  if c.email ~= '' then add_customer_id(cid, 'email', c.email) end
  if c.phone ~= '' then add_customer_id(cid, 'phone', c.phone) end
  return cid
end

-- with_id puts a message id in front of a message JSON object that begins with
-- the empty id field {"id":"", as encoding/json writes it for ticket.Message.
local function with_id(msg, mid)
  return '{"id":"' .. mid .. '"' .. string.sub(msg, 9)
end

-- json_array joins a list of JSON documents into one JSON array, so that a
-- reply carries one string where it would carry one per element.
local function json_array(list)
  return '[' .. table.concat(list, ',') .. ']'
end

-- CUSTOMER_FIELDS are the fields of a customer that a ticket shows (not the
-- notes, which are the customer page's).
local CUSTOMER_FIELDS = {'name', 'email', 'phone', 'emails', 'phones', 'tags'}

-- customer_of returns the fields of the customer a ticket's fields f (as
-- HGETALL gives them) point to, as field, value pairs, or an empty list.
local function customer_of(f)
  for i = 1, #f, 2 do
    if f[i] == 'customer' then
      if f[i + 1] == '' then return {} end
      local v = redis.call('HMGET', base .. 'customer:' .. f[i + 1], unpack(CUSTOMER_FIELDS))
      local out = {}
      for j, name in ipairs(CUSTOMER_FIELDS) do
        if v[j] then table.insert(out, name); table.insert(out, v[j]) end
      end
      return out
    end
  end
  return {}
end

-- read_ticket returns a ticket's fields, messages and events (each a JSON
-- array), customer fields, outbound delivery states, transcripts and
-- attachments added to stored messages, or false when there is no such ticket.
local function read_ticket(k)
  local f = redis.call('HGETALL', k)
  if #f == 0 then return false end
  local c = customer_of(f)
  return {f, json_array(redis.call('LRANGE', k .. ':messages', 0, -1)),
    json_array(redis.call('LRANGE', k .. ':events', 0, -1)), c,
    redis.call('HGETALL', k .. ':delivery'), redis.call('HGETALL', k .. ':transcripts'),
    redis.call('LRANGE', k .. ':late', 0, -1)}
end

-- known returns the receipt {ticket id, message id, '0'} of a stored source
-- key, or nil.
local function known(src)
  local prev = redis.call('HGET', base .. 'sources', src)
  if not prev then return nil end
  local sep = string.find(prev, ' ', 1, true)
  return {string.sub(prev, 1, sep - 1), string.sub(prev, sep + 1), '0'}
end

-- append_message adds message msg (JSON with an empty id) to ticket id, whose
-- fields f = HMGET status queue priority created assignee were read and found,
-- records src, and returns the new message id. An inbound message from a
-- person reopens a pending or closed ticket; the first outbound one written by
-- a person to the customer (not an automatic acknowledgement, not a forward to
-- a third party) is the ticket's first response,
-- which stops its SLA clock. A note (internal) changes neither. what is the
-- timeline's word for the message ("mail from ann@example.org").
local function append_message(id, f, src, msg, dir, msgid, atts, by, kind, now_ms, now_rfc, what)
  local k = tkey(id)
  local mid = 'm' .. redis.call('HINCRBY', k, 'msgseq', 1)
  redis.call('RPUSH', k .. ':messages', with_id(msg, mid))
  for _, a in ipairs(atts) do redis.call('HSET', k .. ':attachments', a.id, a.meta) end
  if msgid ~= '' then redis.call('HSETNX', base .. 'msgid', msgid, id .. ' ' .. mid) end
  redis.call('HSET', k, 'updated', now_ms)
  local status, queue = f[1], f[2]
  local machine = kind == 'auto_reply' or kind == 'bounce'
  if dir == 'in' and not machine and redis.call('HGET', k, 'wake_kind') == 'snooze' then
    unwake(id)
    event(id, now_rfc, 'snooze_ended', 'frontdesk', 'the customer wrote')
  end
  if dir == 'in' and not machine and (status == 'pending' or status == 'closed') then
    local to = 'new'
    if f[5] and f[5] ~= '' then to = 'open' end
    redis.call('HSET', k, 'status', to)
    place(id, queue, to, f[3], f[4])
    index_assignee(id, f[5], f[5], to)
    event(id, now_rfc, 'status', 'frontdesk', 'reopened by the customer: ' .. status .. ' -> ' .. to)
  elseif dir == 'out' and not machine and kind ~= 'forward' then
    redis.call('ZREM', base .. 'queue:' .. queue .. ':sla', id)
    redis.call('HSETNX', k, 'first_response', now_ms)
  end
  local typ = 'message'
  if dir == 'internal' then typ = 'note' end
  event(id, now_rfc, typ, by, what)
  redis.call('HSET', base .. 'sources', src, id .. ' ' .. mid)
  return mid
end

-- rfc3339 formats a time in milliseconds since the epoch as UTC RFC 3339, with
-- the milliseconds when there are any (as Go's time.RFC3339Nano writes them).
-- The date is H. Hinnant's civil_from_days.
local function rfc3339(t)
  local secs = math.floor(t / 1000)
  local frac = t - secs * 1000
  local days = math.floor(secs / 86400)
  local rem = secs - days * 86400
  local z = days + 719468
  local era = math.floor(z / 146097)
  local doe = z - era * 146097
  local yoe = math.floor((doe - math.floor(doe / 1460) + math.floor(doe / 36524) - math.floor(doe / 146096)) / 365)
  local doy = doe - (365 * yoe + math.floor(yoe / 4) - math.floor(yoe / 100))
  local mp = math.floor((5 * doy + 2) / 153)
  local d = doy - math.floor((153 * mp + 2) / 5) + 1
  local m = mp + 3
  if mp >= 10 then m = mp - 9 end
  local y = yoe + era * 400
  if m <= 2 then y = y + 1 end
  local out = string.format('%04d-%02d-%02dT%02d:%02d:%02d', y, m, d,
    math.floor(rem / 3600), math.floor((rem % 3600) / 60), rem % 60)
  if frac > 0 then
    out = out .. (string.gsub(string.format('.%03d', frac), '0+$', ''))
  end
  return out .. 'Z'
end

-- clock returns Redis's own time, in milliseconds since the epoch and as RFC
-- 3339: leases and due times computed from it agree across instances, whatever
-- their own clocks say.
local function clock()
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  return now, rfc3339(now)
end

-- link_customer adds the email address or phone number an inbound message
-- came from to customer cid, the customer of the ticket it continues (a
-- caller who later writes in), when nobody else has it, and says so in the
-- customer's history.
local function link_customer(cid, email, phone)
  local at
  for _, id in ipairs({{'email', email}, {'phone', phone}}) do
    if id[2] ~= '' and add_customer_id(cid, id[1], id[2]) then
      if not at then local _, rfc = clock(); at = rfc end
      customer_event(cid, at, 'linked', 'intake', id[2] .. ': wrote in on one of their tickets')
    end
  end
end

-- outbound_name says which outbound message of a ticket an event is about, in
-- the words the ticket page shows: "the reply to ann@example.org".
local function outbound_name(tid, mid)
  local n = tonumber(string.sub(mid, 2))
  local raw = n and redis.call('LINDEX', tkey(tid) .. ':messages', n - 1)
  local what, to = 'reply', ''
  if raw then
    local ok, m = pcall(cjson.decode, raw)
    if ok and type(m) == 'table' then
      if m.kind == 'auto_reply' then what = 'acknowledgement' end
      if m.kind == 'forward' then what = 'forward' end
      if type(m.to) == 'table' and type(m.to[1]) == 'string' then to = ' to ' .. m.to[1] end
    end
  end
  return what .. to
end

-- outbox_entry reads the delivery record of an outbound message: a table with
-- delivery, detail, at, attempts, first (ms first queued), hold and lease
-- (ms), or nil.
local function outbox_entry(tid, mid)
  local raw = redis.call('HGET', tkey(tid) .. ':delivery', mid)
  if not raw then return nil end
  local ok, d = pcall(cjson.decode, raw)
  if not ok or type(d) ~= 'table' then return nil end
  return d
end

local function save_outbox_entry(tid, mid, d)
  redis.call('HSET', tkey(tid) .. ':delivery', mid, cjson.encode(d))
  -- The dead list: sends that ended failed or unknown, for a person to send
  -- again or dismiss (outbox_dead.lua), scored by when it got there (NX:
  -- a later bounce or report does not move it).
  local ref = tid .. ' ' .. mid
  if d.delivery == 'failed' or d.delivery == 'unknown' then
    redis.call('ZADD', base .. 'outbox:dead', 'NX', clock(), ref)
  else
    redis.call('ZREM', base .. 'outbox:dead', ref)
  end
end
