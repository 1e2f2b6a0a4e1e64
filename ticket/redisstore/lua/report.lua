-- Daily report counters, shared by the scripts that change tickets (loaded
-- after prelude.lua). Each day of the business's calendar has one hash,
-- base..'report:day:YYYY-MM-DD', of counters named QUEUE|CHANNEL|METRIC
-- (received, first_responses, sla_met, sla_breached, closed, reopened,
-- feedback_good, feedback_bad, and frt:N, the first responses whose time in
-- business hours fell in bucket N of REPORT_FRT_BOUNDS) and @USER|METRIC
-- (handled, first_responses, frt:N). The day is the date in the business's
-- time zone. Field v counts the changes of the day's counters, field pack
-- holds the desk's summary of them once made (dropped at the next change).
-- base..'report:zone' holds its UTC offsets as JSON
-- [[from ms, offset seconds], ...], oldest first (written by the store's
-- SetReportZone); without it days are UTC. docs/redis-keys.md, "Report keys".

-- REPORT_FRT_BOUNDS are the upper bounds (seconds, inclusive) of the
-- first-response time buckets, roughly log-scale: bucket N (from 0) holds
-- times up to REPORT_FRT_BOUNDS[N+1]; bucket #REPORT_FRT_BOUNDS what is longer.
-- package desk's reportBounds must say the same.
local REPORT_FRT_BOUNDS = {0, 60, 120, 300, 600, 900, 1200, 1800, 2700, 3600, 5400, 7200, 10800,
  14400, 21600, 28800, 43200, 57600, 86400, 129600, 172800, 259200, 345600, 432000, 604800,
  864000, 1209600}

-- report_zone holds report:zone's offsets once read: a script that counts
-- several things (a close, a breach sweep) reads and decodes it once.
local report_zone

-- report_day returns the business's date, YYYY-MM-DD, at time t (ms).
local function report_day(t)
  if not report_zone then
    report_zone = {}
    local raw = redis.call('GET', base .. 'report:zone')
    if raw then
      local ok, z = pcall(cjson.decode, raw)
      if ok and type(z) == 'table' then report_zone = z end
    end
  end
  local off = 0
  for _, e in ipairs(report_zone) do
    if tonumber(e[1]) > t then break end
    off = tonumber(e[2])
  end
  return string.sub(rfc3339(t + off * 1000), 1, 10)
end

-- report_changed moves on the version of day's hash k (field v) and drops
-- its pack (report_read.lua, report_pack.lua), which no longer says what its
-- counters do.
local function report_changed(k)
  redis.call('HINCRBY', k, 'v', 1)
  redis.call('HDEL', k, 'pack')
end

-- report_incr adds one to each counter named in fields, on the day of t (ms).
local function report_incr(t, fields)
  local k = base .. 'report:day:' .. report_day(tonumber(t))
  for _, f in ipairs(fields) do redis.call('HINCRBY', k, f, 1) end
  report_changed(k)
end

local function report_bucket(secs)
  for i, b in ipairs(REPORT_FRT_BOUNDS) do
    if secs <= b then return i - 1 end
  end
  return #REPORT_FRT_BOUNDS
end

-- report_ticket counts metric for ticket id, in its queue and channel, at
-- time t (ms), and for user who when given.
local function report_ticket(id, metric, t, who)
  local f = redis.call('HMGET', tkey(id), 'queue', 'channel')
  if not f[1] then return end
  local fields = {f[1] .. '|' .. (f[2] or '') .. '|' .. metric}
  if who and who ~= '' then table.insert(fields, '@' .. who .. '|' .. metric) end
  report_incr(t, fields)
end

-- report_status counts a change of ticket id's status from old to new at t
-- (ms) by user by: a close (handled by the ticket's assignee, else by whoever
-- closed it), or a reopening.
local function report_status(id, old, new, t, assignee, by)
  if new == 'closed' and old ~= 'closed' then
    local who = assignee
    if not who or who == '' then who = by end
    report_ticket(id, 'closed', t)
    if who and who ~= '' and who ~= 'frontdesk' then report_incr(t, {'@' .. who .. '|handled'}) end
  elseif old == 'closed' and new ~= 'closed' then
    report_ticket(id, 'reopened', t)
  end
end

-- report_first_response counts ticket id's first response at t (ms), written
-- by by, secs seconds of business time after the ticket came in ('' or nil:
-- counted around the clock), and whether it met the ticket's due time; a
-- ticket marked breached already was counted then (breach.lua).
local function report_first_response(id, t, by, secs)
  t = tonumber(t)
  local f = redis.call('HMGET', tkey(id), 'queue', 'channel', 'frd', 'breached', 'created')
  if not f[1] then return end
  secs = tonumber(secs)
  if not secs then secs = math.floor((t - tonumber(f[5] or t)) / 1000) end
  local b = 'frt:' .. report_bucket(secs)
  local qc = f[1] .. '|' .. (f[2] or '') .. '|'
  local fields = {qc .. 'first_responses', qc .. b}
  if by and by ~= '' then
    table.insert(fields, '@' .. by .. '|first_responses')
    table.insert(fields, '@' .. by .. '|' .. b)
  end
  if f[3] and f[3] ~= '' and not f[4] then
    if t < tonumber(f[3]) then table.insert(fields, qc .. 'sla_met') else table.insert(fields, qc .. 'sla_breached') end
  end
  report_incr(t, fields)
end

-- report_append counts what appending a message did to ticket id: reopened it
-- (old_status was closed, it is not now), or was its first response
-- (had_first: whether it had one before).
local function report_append(id, old_status, had_first, t, by, secs)
  local f = redis.call('HMGET', tkey(id), 'status', 'first_response')
  if old_status == 'closed' and f[1] ~= 'closed' then report_ticket(id, 'reopened', t) end
  -- The desk's own notices (by frontdesk) answer nobody.
  if had_first == 0 and f[2] and by ~= 'frontdesk' then report_first_response(id, t, by, secs) end
end
