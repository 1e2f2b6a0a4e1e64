-- append: add a message to a ticket, once per source key (see append_message
-- in the prelude).
-- KEYS[1] base..'sources'
-- ARGV: 1 base, 2 source key, 3 now ms, 4 now RFC 3339, 5 ticket id,
-- 6 message JSON (empty id), 7 direction, 8 Message-ID or '', 9 attachments JSON,
-- 10 by, 11 kind, 12 sender's email or '', 13 sender's phone or '',
-- 14 delivery ('queued' puts an outbound message in the outbox, due at once
-- by Redis's clock), 15 the timeline's word for the message, 16 JSON list
-- of the users a note mentions (the ticket goes on their mentions list),
-- 17 JSON list of the addresses a forward goes to (lower case; '[]' for
-- other messages), 18 the message's search terms (JSON list, search.lua),
-- 19 the ticket's age in business seconds, counted in the daily report if
-- the message is its first response ('' : around the clock), 20 the
-- invitation an outbound reply carries, JSON (invite_lib.lua), or ''.
-- An inbound message from an address or number the ticket's customer does not
-- have yet adds it to the customer (a caller who later writes in): seen on one
-- ticket, they belong together. Not so an address the ticket was forwarded
-- to (ticket:ID:forwarded): a third party's answer is not the customer's.
-- An inbound message for a ticket that was merged goes onto the ticket it
-- was merged into; anything else is refused there.
-- Returns {ticket id, message id, 1 created | 0 found}.
local prev = known(ARGV[2])
if prev then return prev end
local id = follow(ARGV[5])
if id ~= ARGV[5] and ARGV[7] ~= 'in' then
  return redis.error_reply('CONFLICT ticket ' .. ARGV[5] .. ' was merged into #' .. id)
end
local f = redis.call('HMGET', tkey(id), 'status', 'queue', 'priority', 'created', 'assignee')
if not f[1] then return redis.error_reply('NOTFOUND ticket ' .. id) end
local atts = cjson.decode(ARGV[9])
local mentions = {}
if ARGV[7] == 'internal' and ARGV[16] and ARGV[16] ~= '' then mentions = cjson.decode(ARGV[16]) end
local forwarded = cjson.decode(ARGV[17] or '[]')
local cid = redis.call('HGET', tkey(id), 'customer')
local sender = ARGV[12] or ''
if ARGV[7] == 'in' and sender ~= '' and redis.call('SISMEMBER', tkey(id) .. ':forwarded', sender) == 1 then
  sender = ''
end
local had_first = redis.call('HEXISTS', tkey(id), 'first_response')
local mid = append_message(id, f, ARGV[2], ARGV[6], ARGV[7], ARGV[8], atts, ARGV[10], ARGV[11], ARGV[3], ARGV[4], ARGV[15])
search_index(id, ARGV[18])
report_append(id, f[1], had_first, ARGV[3], ARGV[10], ARGV[19])
if ARGV[7] == 'out' and ARGV[14] == 'queued' then
  local now, now_rfc = clock()
  save_outbox_entry(id, mid, {delivery = 'queued', detail = '', at = now_rfc, attempts = 0, first = now})
  redis.call('ZADD', base .. 'outbox', now, id .. ' ' .. mid)
end
for _, name in ipairs(mentions) do
  redis.call('ZADD', base .. 'mentions:' .. name, ARGV[3], id)
end
if ARGV[7] == 'out' and ARGV[20] and ARGV[20] ~= '' then
  local inv = cjson.decode(ARGV[20])
  inv.message = mid
  save_invitation(id, inv)
end
if #forwarded > 0 then redis.call('SADD', tkey(id) .. ':forwarded', unpack(forwarded)) end
if ARGV[7] == 'in' and cid and cid ~= '' then
  link_customer(cid, sender, ARGV[13] or '')
end
return {id, mid, '1'}
