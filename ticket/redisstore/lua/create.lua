-- create: store a new ticket and its first message, once per source key. With
-- a thread key that names a ticket that is not closed, the message goes onto
-- that ticket instead (a call's later callbacks, a text within the window).
-- KEYS[1] base..'sources'
-- ARGV: 1 base, 2 source key, 3 now ms, 4 now RFC 3339, 5 ticket JSON
-- {channel, queue, priority, subject, tags, frd, by, kind, thread, thread_ttl,
-- assignee, status (new, open when assigned, closed for spam), route, mailbox,
-- what (the timeline's word for the message, when it joins a thread)},
-- 6 message JSON (empty id), 7 customer JSON {name, email, phone},
-- 8 RFC 5322 Message-ID or '', 9 attachments JSON [{id, meta}] (meta: the
-- attachment's JSON), 10 the message's search terms (JSON list, search.lua).
-- Returns {ticket id, message id, 1 created | 0 found}.
local prev = known(ARGV[2])
if prev then return prev end
local now_ms, now_rfc = ARGV[3], ARGV[4]
local t = cjson.decode(ARGV[5])
local c = cjson.decode(ARGV[7])
local atts = cjson.decode(ARGV[9])
local thread = ''
if t.thread ~= '' then thread = base .. 'thread:' .. t.thread end

local function keep_thread(id)
  if thread == '' then return end
  if tonumber(t.thread_ttl) > 0 then
    redis.call('SET', thread, id, 'PX', t.thread_ttl)
  else
    redis.call('SET', thread, id)
  end
end

if thread ~= '' then
  local tid = redis.call('GET', thread)
  if tid then tid = follow(tid) end
  if tid then
    local f = redis.call('HMGET', tkey(tid), 'status', 'queue', 'priority', 'created', 'assignee')
    if f[1] and f[1] ~= 'closed' then
      local mid = append_message(tid, f, ARGV[2], ARGV[6], 'in', ARGV[8], atts, t.by, t.kind, now_ms, now_rfc, t.what)
      search_index(tid, ARGV[10])
      keep_thread(tid)
      return {tid, mid, '1'}
    end
  end
end

-- Reads and checks done; from here on only writes that cannot fail.
local seq = base .. 'seq:ticket'
if redis.call('EXISTS', seq) == 0 then redis.call('SET', seq, 1000) end
local id = tostring(redis.call('INCR', seq))
local cid = ''
if c.email ~= '' or c.phone ~= '' then cid = upsert_customer(find_customer(c.email, c.phone), c, now_ms) end
local k = tkey(id)
redis.call('HSET', k, 'id', id, 'channel', t.channel, 'status', t.status, 'queue', t.queue,
  'assignee', t.assignee, 'priority', t.priority, 'subject', t.subject, 'customer', cid, 'customer_name', c.name,
  'tags', t.tags, 'created', now_ms, 'updated', now_ms, 'msgseq', 1, 'mailbox', t.mailbox)
if t.frd ~= '' and t.status ~= 'closed' then
  redis.call('HSET', k, 'frd', t.frd)
  redis.call('ZADD', base .. 'queue:' .. t.queue .. ':sla', t.frd, id)
end
redis.call('RPUSH', k .. ':messages', with_id(ARGV[6], 'm1'))
search_index(id, ARGV[10])
for _, a in ipairs(atts) do redis.call('HSET', k .. ':attachments', a.id, a.meta) end
if ARGV[8] ~= '' then redis.call('HSETNX', base .. 'msgid', ARGV[8], id .. ' m1') end
redis.call('ZADD', base .. 'tickets', id, id)
if cid ~= '' then add_customer_ticket(cid, id) end
place(id, t.queue, t.status, t.priority, now_ms)
index_assignee(id, '', t.assignee, t.status)
event(id, now_rfc, 'created', t.by, 'in queue ' .. t.queue)
if t.status ~= 'closed' then report_incr(now_ms, {t.queue .. '|' .. t.channel .. '|received'}) end
if t.route ~= '' then event(id, now_rfc, 'routed', 'routing', t.route) end
if t.assignee ~= '' then event(id, now_rfc, 'assigned', 'routing', 'to ' .. t.assignee) end
redis.call('HSET', KEYS[1], ARGV[2], id .. ' m1')
keep_thread(id)
return {id, 'm1', '1'}
