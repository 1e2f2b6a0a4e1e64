package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"frontdesk/fault"
)

// retryScript moves a dead job back to the due set, due at once, with the
// record the caller rewrote (its attempts counted afresh), if it is still
// dead and unchanged. KEYS[1] jobs, KEYS[2] due, KEYS[3] dead; ARGV[1] id,
// ARGV[2] the record read, ARGV[3] the new record, ARGV[4] now ms. Returns
// 1 when moved, 0 when not dead, -1 when it changed meanwhile.
var retryScript = redis.NewScript(`
if not redis.call('ZSCORE', KEYS[3], ARGV[1]) then return 0 end
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return -1 end
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])
return 1
`)

// purgeScript drops a dead job: off the dead list and out of the jobs
// hash, its id kept in the done set so that the same job enqueued again
// (a provider's webhook retried) is not taken up again. KEYS[1] jobs,
// KEYS[2] dead, KEYS[3] done; ARGV[1] id, ARGV[2] now ms. Returns 1 when
// dropped, 0 when it was not dead.
var purgeScript = redis.NewScript(`
if not redis.call('ZSCORE', KEYS[2], ARGV[1]) then return 0 end
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
return 1
`)

// Retry puts the dead job id back in the queue, due now, with its attempts
// counted afresh (MaxAttempts more), keeping its last error until it runs.
// It reports false when id is not on the dead list (put back already, or
// never dead): retrying twice runs it once.
func (q *Queue) Retry(ctx context.Context, id string) (bool, error) {
	for range 3 {
		raw, err := q.rdb.HGet(ctx, q.keys.jobs, id).Result()
		if errors.Is(err, redis.Nil) {
			return false, nil
		}
		if err != nil {
			return false, fault.Redis(fmt.Sprintf("retry %s job %s", q.name, id), err)
		}
		var r record
		if err := json.Unmarshal([]byte(raw), &r); err != nil {
			return false, fmt.Errorf("retry %s job %s: %w", q.name, id, err)
		}
		r.Attempt, r.Claim, r.Failed = 0, "", time.Time{}
		fresh, err := json.Marshal(r)
		if err != nil {
			return false, fmt.Errorf("retry %s job %s: %w", q.name, id, err)
		}
		n, err := retryScript.Run(ctx, q.rdb, []string{q.keys.jobs, q.keys.due, q.keys.dead},
			id, raw, string(fresh), q.opts.Now().UnixMilli()).Int()
		if err != nil {
			return false, fault.Redis(fmt.Sprintf("retry %s job %s", q.name, id), err)
		}
		if n >= 0 {
			return n == 1, nil
		}
	}
	return false, fmt.Errorf("retry %s job %s: it keeps changing: %w", q.name, id, fault.ErrConflict)
}

// Purge drops the dead job id for good. It reports false when id is not on
// the dead list.
func (q *Queue) Purge(ctx context.Context, id string) (bool, error) {
	n, err := purgeScript.Run(ctx, q.rdb, []string{q.keys.jobs, q.keys.dead, q.keys.done}, id, q.opts.Now().UnixMilli()).Int()
	if err != nil {
		return false, fault.Redis(fmt.Sprintf("purge %s job %s", q.name, id), err)
	}
	return n == 1, nil
}
