-- Outgoing webhooks (the webhooks: configuration), recorded with the change
-- that causes them, in the same script. Keys, all under base:
--   hooks                   hash: hook id -> ' EVENT EVENT … ' it wants
--   ticket:ID:hook:HOOK     list: the ticket's events still to deliver to
--                           HOOK, oldest first (JSON, see hook_event)
--   ticket:ID:hooks         hash: seq (the ticket's event counter), closed
--                           (a ticket.closed recorded, not yet reopened),
--                           and per hook the delivery state of its list's
--                           head
--   hook:HOOK:due           sorted set: ticket ids with events for HOOK,
--                           by when the head is due (ms: next try, or its
--                           worker's lease expiry while one has it)
--   hook:HOOK:log           list: the latest attempts, newest first
--   hook:HOOK:dead          list: events given up on, newest first
--   hook:HOOK:stats         hash: result -> count

-- HOOK_TYPES are the timeline's event types a webhook event can come from.
local HOOK_TYPES = {created = true, assigned = true, sla_breached = true, status = true, merged = true, message = true}

-- hook_names returns the webhook event a timeline event of ticket id is, or
-- nil: created, assigned (by routing, taking or handing over), a reply to
-- the customer written by a person (not an acknowledgement, not a forward),
-- a status change to or from closed (a merge closes the merged ticket),
-- the first response overdue.
local function hook_names(id, typ, detail)
  detail = detail or ''
  if typ == 'created' then return 'ticket.created' end
  if typ == 'assigned' then return 'ticket.assigned' end
  if typ == 'sla_breached' then return 'sla.breached' end
  if typ == 'status' then
    local from, to = string.match(detail, '(%a+) %-> (%a+)$')
    if to == 'closed' and from ~= 'closed' then return 'ticket.closed' end
    if from == 'closed' and to and to ~= 'closed' then return 'ticket.reopened' end
    return nil
  end
  if typ == 'merged' and string.sub(detail, 1, 5) == 'into ' then return 'ticket.closed' end
  if typ == 'message' then
    local raw = redis.call('LINDEX', tkey(id) .. ':messages', -1)
    if not raw then return nil end
    local ok, m = pcall(cjson.decode, raw)
    if ok and type(m) == 'table' and m.direction == 'out' and m.kind ~= 'auto_reply' and m.kind ~= 'forward' then
      return 'ticket.replied'
    end
  end
  return nil
end

-- hook_event queues the event for each registered hook that wants it, with
-- the ticket as it is now (its hash and customer fields, as list pairs),
-- numbered by the ticket's event counter: the delivery id TICKET-SEQ is the
-- same on every retry. A ticket with events waiting for a hook keeps its
-- place in hook:HOOK:due (a retry's time is not moved forward).
hook_event = function(id, at, typ, by, detail)
  if not HOOK_TYPES[typ] then return end
  local hooks = redis.call('HGETALL', base .. 'hooks')
  if #hooks == 0 then return end
  local name = hook_names(id, typ, detail)
  if not name then return end
  -- A merge closes the merged ticket, which may have been closed already:
  -- the field closed marks a ticket.closed recorded and not yet reopened.
  local state = tkey(id) .. ':hooks'
  if typ == 'merged' and redis.call('HGET', state, 'closed') then return end
  if name == 'ticket.closed' then
    redis.call('HSET', state, 'closed', 1)
  elseif name == 'ticket.reopened' then
    redis.call('HDEL', state, 'closed')
  end
  local entry
  for i = 1, #hooks, 2 do
    if string.find(hooks[i + 1], ' ' .. name .. ' ', 1, true) then
      if not entry then
        local now = clock()
        local seq = redis.call('HINCRBY', tkey(id) .. ':hooks', 'seq', 1)
        local f = redis.call('HGETALL', tkey(id))
        entry = cjson.encode({seq = seq, event = name, at = at, ms = now, by = by,
          fields = f, customer = customer_of(f)})
      end
      redis.call('RPUSH', tkey(id) .. ':hook:' .. hooks[i], entry)
      redis.call('ZADD', base .. 'hook:' .. hooks[i] .. ':due', 'NX', 0, id)
    end
  end
end

-- hook_state reads the delivery state of the head of ticket id's events for
-- hook: {attempts, hold, lease, next, error}, empty when none was tried.
local function hook_state(id, hook)
  local raw = redis.call('HGET', tkey(id) .. ':hooks', hook)
  if not raw then return {} end
  local ok, st = pcall(cjson.decode, raw)
  if not ok or type(st) ~= 'table' then return {} end
  return st
end

local function save_hook_state(id, hook, st)
  redis.call('HSET', tkey(id) .. ':hooks', hook, cjson.encode(st))
end

-- hook_log records one attempt in the hook's log, which keeps the latest
-- max, and counts its result.
local function hook_log(hook, entry, max)
  local k = base .. 'hook:' .. hook
  redis.call('LPUSH', k .. ':log', cjson.encode(entry))
  redis.call('LTRIM', k .. ':log', 0, max - 1)
  redis.call('HINCRBY', k .. ':stats', entry.result, 1)
end
