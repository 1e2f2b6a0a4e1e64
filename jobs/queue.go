package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"frontdesk/fault"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

// Job is one piece of work.
type Job struct {
	// ID names the job; enqueuing an id again while the job is queued,
	// running, dead or recently done changes nothing. Derive it from what
	// the job is about (say, "recording:RE123"), so that a retried webhook
	// enqueues the same id.
	ID   string
	Kind string // what the handler is to do, say "voicemail"; a metrics label
	// Payload is the handler's input, opaque to the queue; keep it small
	// (ids and URLs, not the bytes to be downloaded).
	Payload    []byte
	Attempt    int       // 1 on the first run; set by the queue
	EnqueuedAt time.Time // set by Enqueue when zero
}

// Options configures a Queue. A nil *Options is equivalent to a zero
// Options, except that Redis is required; zero fields take the defaults named.
type Options struct {
	Redis  redis.UniversalClient // required
	Prefix string                // starts every key (redis.prefix); default: frontdesk
	Logger *slog.Logger          // default: slog.Default()
	// Registerer registers the queue's metrics; nil: not registered.
	Registerer prometheus.Registerer
	// Lease is how long a worker may hold a job before another may take it;
	// the handler's context ends then. Default: 2m.
	Lease time.Duration
	// MaxAttempts is how many times a job runs before it goes to the dead
	// list with its last error. Default: 8.
	MaxAttempts int
	// BackoffMin and BackoffMax bound the wait before a failed job runs
	// again: BackoffMin doubled per attempt made, plus up to 25% jitter,
	// at most BackoffMax. Defaults: 2s and 5m.
	BackoffMin, BackoffMax time.Duration
	// Poll is how often idle workers look for due jobs. Default: 500ms.
	Poll time.Duration
	// DoneRetention is how long a finished job's id is remembered, so that
	// enqueuing it again changes nothing. Default: 7 days.
	DoneRetention time.Duration
	// Now is the clock of run times and leases. Default: time.Now.
	Now func() time.Time
	// SlowFor, when set, keeps a job that used up MaxAttempts (and was not
	// failed with Permanent) trying every SlowEvery until SlowFor after it
	// was enqueued, before it goes to the dead list: a recording whose
	// download fails for an hour is still fetched. SlowEvery defaults to
	// 1h.
	SlowFor, SlowEvery time.Duration
	// Struggling, when set, is called once when a job used up MaxAttempts
	// and goes on slowly (SlowFor), and Dead when a job goes to the dead
	// list, each with the last error: for a warning a person sees. They run
	// in the worker; errors are the callee's to log.
	Struggling, Dead func(ctx context.Context, j Job, err error)
}

func (o Options) withDefaults() Options {
	if o.Prefix == "" {
		o.Prefix = "frontdesk"
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.Lease, 2*time.Minute)
	def(&o.BackoffMin, 2*time.Second)
	def(&o.BackoffMax, 5*time.Minute)
	def(&o.Poll, 500*time.Millisecond)
	def(&o.DoneRetention, 7*24*time.Hour)
	def(&o.SlowEvery, time.Hour)
	o.BackoffMax = max(o.BackoffMax, o.BackoffMin)
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 8
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Queue is one named queue of jobs. Its methods are safe for concurrent use;
// every instance makes its own Queue with the same name, and their workers
// share the jobs.
type Queue struct {
	name string
	opts Options
	log  *slog.Logger
	rdb  redis.UniversalClient
	keys keys
	m    *metrics

	down atomic.Bool // Redis was unreachable at the last try

	// testHookSettled, when set, runs after a worker tried to complete or
	// fail a claim, with whether the claim was still held.
	testHookSettled func(j Job, held bool)
}

// keys names one queue's Redis keys (see the package comment).
type keys struct {
	jobs, due, running, dead, done string
}

func newKeys(prefix, name string) keys {
	base := prefix + ":jobs:{" + name + "}:"
	return keys{
		jobs: base + "jobs", due: base + "due", running: base + "running",
		dead: base + "dead", done: base + "done",
	}
}

// New returns the queue called name (a short word, such as "media"; no
// braces). It panics when name is empty or holds a brace, or when
// opts.Redis is nil: those are programming errors.
func New(name string, opts *Options) *Queue {
	if name == "" || strings.ContainsAny(name, "{}") {
		panic(fmt.Sprintf("jobs: invalid queue name %q", name))
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Redis == nil {
		panic("jobs: Options.Redis is required")
	}
	o = o.withDefaults()
	return &Queue{
		name: name,
		opts: o,
		log:  o.Logger.With(slog.String("queue", name)),
		rdb:  o.Redis,
		keys: newKeys(o.Prefix, name),
		m:    newMetrics(o.Registerer, name),
	}
}

// record is a job as stored in the jobs hash. The scripts read and write
// attempt, claim, error and failed, and keep the other fields as they are.
type record struct {
	Kind     string    `json:"kind"`
	Payload  []byte    `json:"payload,omitempty"`
	Attempt  int       `json:"attempt"`
	Enqueued time.Time `json:"enqueued"`
	Error    string    `json:"error,omitempty"`
	Failed   time.Time `json:"failed,omitzero"`
	Claim    string    `json:"claim,omitempty"`
}

func decodeRecord(id, raw string) (Job, record, error) {
	var r record
	if err := json.Unmarshal([]byte(raw), &r); err != nil {
		return Job{}, r, fmt.Errorf("decode job %s: %w", id, err)
	}
	return Job{ID: id, Kind: r.Kind, Payload: r.Payload, Attempt: r.Attempt, EnqueuedAt: r.Enqueued}, r, nil
}

// Enqueue adds j to run at at, or now when at is zero. It is idempotent by
// j.ID: when a job with that id is queued, running, dead, or was done within
// DoneRetention, it changes nothing and returns nil. An empty id is
// fault.ErrInvalid; an error for which fault.IsUnavailable is true means
// the job may or may not have been added, and the same call may be retried.
func (q *Queue) Enqueue(ctx context.Context, j Job, at time.Time) error {
	if j.ID == "" {
		return fmt.Errorf("enqueue %s job: empty id: %w", q.name, fault.ErrInvalid)
	}
	now := q.opts.Now()
	if at.IsZero() {
		at = now
	}
	if j.EnqueuedAt.IsZero() {
		j.EnqueuedAt = now
	}
	body, err := json.Marshal(record{Kind: j.Kind, Payload: j.Payload, Enqueued: j.EnqueuedAt})
	if err != nil {
		return fmt.Errorf("enqueue job %s: %w", j.ID, err)
	}
	err = enqueueScript.Run(ctx, q.rdb, []string{q.keys.jobs, q.keys.due, q.keys.done},
		j.ID, body, at.UnixMilli()).Err()
	if err != nil {
		return fault.Redis(fmt.Sprintf("enqueue job %s", j.ID), err)
	}
	return nil
}

// Stats counts a queue's jobs.
type Stats struct {
	Pending int64 // queued, due now or later (retries waiting for their backoff included)
	Running int64 // claimed by a worker, in any instance
	Dead    int64 // failed for good
}

// Stats counts the queue's jobs.
func (q *Queue) Stats(ctx context.Context) (Stats, error) {
	var due, running, dead *redis.IntCmd
	_, err := q.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		due = p.ZCard(ctx, q.keys.due)
		running = p.ZCard(ctx, q.keys.running)
		dead = p.ZCard(ctx, q.keys.dead)
		return nil
	})
	if err != nil {
		return Stats{}, fault.Redis(fmt.Sprintf("count %s jobs", q.name), err)
	}
	return Stats{Pending: due.Val(), Running: running.Val(), Dead: dead.Val()}, nil
}

// DeadJob is a job on the dead list.
type DeadJob struct {
	Job           // Attempt is the number of attempts made
	Error  string // the last error
	Failed time.Time
}

// Dead lists up to limit jobs of the dead list, the latest to die first.
func (q *Queue) Dead(ctx context.Context, limit int) ([]DeadJob, error) {
	if limit <= 0 {
		return nil, nil
	}
	ids, err := q.rdb.ZRevRangeWithScores(ctx, q.keys.dead, 0, int64(limit-1)).Result()
	if err != nil {
		return nil, fault.Redis(fmt.Sprintf("list dead %s jobs", q.name), err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	fields := make([]string, len(ids))
	for i, z := range ids {
		fields[i], _ = z.Member.(string)
	}
	raws, err := q.rdb.HMGet(ctx, q.keys.jobs, fields...).Result()
	if err != nil {
		return nil, fault.Redis(fmt.Sprintf("list dead %s jobs", q.name), err)
	}
	out := make([]DeadJob, 0, len(ids))
	for i, raw := range raws {
		s, ok := raw.(string)
		if !ok {
			continue // removed between the two reads
		}
		j, r, err := decodeRecord(fields[i], s)
		if err != nil {
			return nil, err
		}
		failed := r.Failed
		if failed.IsZero() {
			failed = time.UnixMilli(int64(ids[i].Score))
		}
		out = append(out, DeadJob{Job: j, Error: r.Error, Failed: failed})
	}
	return out, nil
}

// Permanent marks err, returned by a handler, as one that retrying cannot
// cure: the job goes to the dead list at once. Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err: err}
}

type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

func isPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}
