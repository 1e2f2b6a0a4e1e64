-- erased_entries: one step of the sweep that drops the entries of the
-- idempotency (sources) and threading (msgid) indexes naming a ticket that
-- is gone (purged by tickets.retention). Each entry's value is
-- "TICKET_ID MESSAGE_ID"; an entry whose ticket record no longer exists is
-- deleted. A redacted ticket keeps its record, and so its sources entries:
-- input delivered again is known and not filed anew.
-- KEYS[1] the index (base..'sources' or base..'msgid')
-- ARGV: 1 base, 2 HSCAN cursor, 3 COUNT.
-- Returns {next cursor ('0' when the pass is done), entries dropped}.
local r = redis.call('HSCAN', KEYS[1], ARGV[2], 'COUNT', tonumber(ARGV[3]))
local pairs_ = r[2]
local gone = {}
for i = 1, #pairs_, 2 do
  local v = pairs_[i + 1]
  local sep = string.find(v, ' ', 1, true)
  local tid = v
  if sep then tid = string.sub(v, 1, sep - 1) end
  if redis.call('EXISTS', tkey(tid)) == 0 then table.insert(gone, pairs_[i]) end
end
for _, f in ipairs(gone) do redis.call('HDEL', KEYS[1], f) end
return {r[1], #gone}
