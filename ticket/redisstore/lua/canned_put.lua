-- canned_put: store the canned replies as the next version.
-- KEYS[1] base..'canned' (hash: version, replies (JSON), at, by)
-- ARGV: 1 base, 2 the replies' JSON, 3 at (RFC 3339), 4 by, 5 the version
-- that must be current ('-1': any).
-- Returns the new version. Errors: CONFLICT when another version is current.
local cur = tonumber(redis.call('HGET', KEYS[1], 'version') or '0')
local expect = tonumber(ARGV[5])
if expect >= 0 and cur ~= expect then
  return redis.error_reply('CONFLICT the canned replies were changed meanwhile: version ' .. cur .. ' is current, not ' .. expect)
end
redis.call('HSET', KEYS[1], 'version', cur + 1, 'replies', ARGV[2], 'at', ARGV[3], 'by', ARGV[4])
return cur + 1
