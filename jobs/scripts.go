package jobs

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"frontdesk/fault"

	"github.com/redis/go-redis/v9"
)

// The scripts do all their reads and checks before their first write (see
// docs/redis-keys.md). Jobs are JSON objects (see record); the scripts change
// only attempt, claim, error and failed, and keep the rest as they are.

// enqueueScript adds a job unless its id is known.
// KEYS[1] jobs, KEYS[2] due, KEYS[3] done; ARGV[1] id, ARGV[2] JSON,
// ARGV[3] run-at ms. Returns 1 when added, 0 when the id is known.
var enqueueScript = redis.NewScript(`
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 or redis.call('ZSCORE', KEYS[3], ARGV[1]) then
  return 0
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
return 1
`)

// claimScript first moves running jobs whose lease expired back to due (at
// their lease expiry), or to dead when they had no attempt left; then claims
// the earliest due job: it moves to running until the lease expiry, its
// attempt goes up by one and the claim token is stored with it.
// KEYS[1] jobs, KEYS[2] due, KEYS[3] running, KEYS[4] dead; ARGV[1] now ms,
// ARGV[2] lease expiry ms, ARGV[3] claim token, ARGV[4] max attempts,
// ARGV[5] now (RFC 3339). Returns {id, JSON, jobs moved to dead}, with id ""
// when no job is due.
var claimScript = redis.NewScript(`
local now, max = tonumber(ARGV[1]), tonumber(ARGV[4])
local expired = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', ARGV[1], 'WITHSCORES', 'LIMIT', 0, 100)
local back, buried, orphans = {}, {}, {}
local pick, pickAt, fromDue, orphanDue
for i = 1, #expired, 2 do
  local id, at = expired[i], expired[i + 1]
  local raw = redis.call('HGET', KEYS[1], id)
  if not raw then
    orphans[#orphans + 1] = id
  else
    local b = cjson.decode(raw)
    b.claim = nil
    if (tonumber(b.attempt) or 0) >= max then
      b.error = 'lease expired on the last attempt: the worker stopped or took longer than its lease'
      b.failed = ARGV[5]
      buried[#buried + 1] = {id, b}
    else
      local e = {id, at, b}
      back[#back + 1] = e
      if not pick or tonumber(at) < pickAt then
        pick, pickAt = e, tonumber(at)
      end
    end
  end
end
local head = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'WITHSCORES', 'LIMIT', 0, 1)
if #head > 0 and (not pick or tonumber(head[2]) <= pickAt) then
  local raw = redis.call('HGET', KEYS[1], head[1])
  if raw then
    pick, fromDue = {head[1], head[2], cjson.decode(raw)}, true
  else
    orphanDue = head[1]
  end
end
local enc
if pick then
  pick[3].attempt = (tonumber(pick[3].attempt) or 0) + 1
  pick[3].claim = ARGV[3]
  enc = cjson.encode(pick[3])
end
local encoded = {}
for i, e in ipairs(buried) do encoded[i] = cjson.encode(e[2]) end
local requeued = {}
for i, e in ipairs(back) do
  if e ~= pick then requeued[i] = cjson.encode(e[3]) end
end

for _, id in ipairs(orphans) do redis.call('ZREM', KEYS[3], id) end
if orphanDue then redis.call('ZREM', KEYS[2], orphanDue) end
for i, e in ipairs(buried) do
  redis.call('ZREM', KEYS[3], e[1])
  redis.call('ZADD', KEYS[4], ARGV[1], e[1])
  redis.call('HSET', KEYS[1], e[1], encoded[i])
end
for i, e in ipairs(back) do
  if e ~= pick then
    redis.call('ZREM', KEYS[3], e[1])
    redis.call('ZADD', KEYS[2], e[2], e[1])
    redis.call('HSET', KEYS[1], e[1], requeued[i])
  end
end
if not pick then
  return {'', '', #buried}
end
if fromDue then redis.call('ZREM', KEYS[2], pick[1]) end
redis.call('ZADD', KEYS[3], ARGV[2], pick[1])
redis.call('HSET', KEYS[1], pick[1], enc)
return {pick[1], enc, #buried}
`)

// completeScript removes a finished job and remembers its id as done, if the
// claim is still held; it trims the done set to the retention.
// KEYS[1] jobs, KEYS[2] running, KEYS[3] done; ARGV[1] id, ARGV[2] claim
// token, ARGV[3] now ms, ARGV[4] oldest done ms to keep. Returns 1, or 0 when
// the claim is not held.
var completeScript = redis.NewScript(`
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw or not redis.call('ZSCORE', KEYS[2], ARGV[1]) then
  return 0
end
if cjson.decode(raw).claim ~= ARGV[2] then
  return 0
end
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', '(' .. ARGV[4])
return 1
`)

// failScript ends a claim without completing the job, if the claim is still
// held: "retry" puts it back in due with the error, "dead" moves it to the
// dead list with the error, "release" puts it back in due without counting
// the attempt (the worker stopped).
// KEYS[1] jobs, KEYS[2] due, KEYS[3] running, KEYS[4] dead; ARGV[1] id,
// ARGV[2] claim token, ARGV[3] retry|dead|release, ARGV[4] score (run-at
// ms, or now ms for dead), ARGV[5] error, ARGV[6] now (RFC 3339). Returns 1,
// or 0 when the claim is not held.
var failScript = redis.NewScript(`
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw or not redis.call('ZSCORE', KEYS[3], ARGV[1]) then
  return 0
end
local b = cjson.decode(raw)
if b.claim ~= ARGV[2] then
  return 0
end
b.claim = nil
if ARGV[3] == 'release' then
  b.attempt = math.max((tonumber(b.attempt) or 1) - 1, 0)
else
  b.error = ARGV[5]
  b.failed = ARGV[6]
end
local enc = cjson.encode(b)
redis.call('ZREM', KEYS[3], ARGV[1])
if ARGV[3] == 'dead' then
  redis.call('ZADD', KEYS[4], ARGV[4], ARGV[1])
else
  redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])
end
redis.call('HSET', KEYS[1], ARGV[1], enc)
return 1
`)

// claim is one held job.
type claim struct {
	job   Job
	token string
}

// claim takes the earliest due job, or returns ok false when none is due.
// buried counts the jobs it moved to the dead list because their lease
// expired on their last attempt.
func (q *Queue) claim(ctx context.Context) (c claim, ok bool, buried int64, err error) {
	now := q.opts.Now()
	c.token = rand.Text()
	res, err := claimScript.Run(ctx, q.rdb,
		[]string{q.keys.jobs, q.keys.due, q.keys.running, q.keys.dead},
		now.UnixMilli(), now.Add(q.opts.Lease).UnixMilli(), c.token, q.opts.MaxAttempts,
		now.UTC().Format(time.RFC3339Nano)).Slice()
	if err != nil {
		return c, false, 0, fault.Redis(fmt.Sprintf("claim %s job", q.name), err)
	}
	if len(res) != 3 {
		return c, false, 0, fmt.Errorf("claim %s job: unexpected reply %v", q.name, res)
	}
	id, _ := res[0].(string)
	raw, _ := res[1].(string)
	buried, _ = res[2].(int64)
	if id == "" {
		return c, false, buried, nil
	}
	c.job, _, err = decodeRecord(id, raw)
	if err != nil {
		return c, false, buried, err
	}
	return c, true, buried, nil
}

// complete marks c's job done. held is false when the claim was lost: the
// lease expired and the job went back to the queue, or another worker has it.
func (q *Queue) complete(ctx context.Context, c claim) (held bool, err error) {
	now := q.opts.Now()
	n, err := completeScript.Run(ctx, q.rdb, []string{q.keys.jobs, q.keys.running, q.keys.done},
		c.job.ID, c.token, now.UnixMilli(), now.Add(-q.opts.DoneRetention).UnixMilli()).Int()
	if err != nil {
		return false, fault.Redis(fmt.Sprintf("complete job %s", c.job.ID), err)
	}
	return n == 1, nil
}

// Outcomes of a claim that did not complete, as failScript takes them.
const (
	outcomeRetry   = "retry"
	outcomeDead    = "dead"
	outcomeRelease = "release"
)

// fail ends c without completing its job: outcome is one of the outcome
// constants, at the run-at of a retry or release. held is as for complete.
func (q *Queue) fail(ctx context.Context, c claim, outcome string, at time.Time, cause error) (held bool, err error) {
	now := q.opts.Now()
	if outcome == outcomeDead {
		at = now
	}
	msg := ""
	if cause != nil {
		msg = cause.Error()
	}
	n, err := failScript.Run(ctx, q.rdb,
		[]string{q.keys.jobs, q.keys.due, q.keys.running, q.keys.dead},
		c.job.ID, c.token, outcome, at.UnixMilli(), msg, now.UTC().Format(time.RFC3339Nano)).Int()
	if err != nil {
		return false, fault.Redis(fmt.Sprintf("%s job %s", outcome, c.job.ID), err)
	}
	return n == 1, nil
}

// errNoHandler: Run was called without a handler.
var errNoHandler = errors.New("jobs: Run needs a handler")
