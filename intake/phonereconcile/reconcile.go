// Package phonereconcile files the texts, calls and voicemails that reached
// Twilio but never frontdesk: a webhook Twilio gave up on (it does not
// retry a 503 by default, nor after its 15-second timeout), one lost with
// an instance's disk, a number whose webhook URL was wrong for an hour.
//
// Every twilio.reconcile_interval (10 minutes) one instance — whichever
// takes a small lease in Redis first — asks Twilio's REST API (through
// twilio-go, at twilio.api_url) for the inbound messages and calls of each
// of our numbers and the account's recordings, back to where the last round
// got (the first time twilio.reconcile_window, 24 hours), and hands each
// whose source key is not stored (store.FindSource: twilio:sms:SID,
// twilio:recording:SID, twilio:missed:CALLSID, the keys intake uses) to the
// same phone.Sink the webhooks use. The Sink is idempotent by SID, so a
// webhook that arrives at the same moment, or a round that runs twice, files
// nothing twice.
//
// A round is cheap: the lists are paged (100 a page), each list is cut at
// MaxPerRound items (the next round goes on from the oldest one seen), and
// a watermark per list in Redis remembers up to when everything was
// checked. Items younger than Settle (5 minutes) are left to their
// webhooks; a call still in progress holds its list's watermark back until
// it ends.
package phonereconcile

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"frontdesk/config"
	"frontdesk/fault"
	"frontdesk/intake/phone"
	"frontdesk/internal/promreg"
	"frontdesk/ticket"
)

// Defaults of Options.
const (
	DefaultMaxPerRound = 1000
	DefaultSettle      = 5 * time.Minute
	// overlap is how far before its watermark a list is read again, for
	// clocks that disagree a little and items Twilio dates late.
	overlap = 2 * time.Minute
	// pageSize is how many items one request to Twilio's API lists.
	pageSize = 100
)

// Results, the result label of frontdesk_twilio_reconciled_total.
const (
	resultPresent = "present" // stored already
	resultFiled   = "filed"   // handed to the Sink
	resultIgnored = "ignored" // not ours to file (outbound, another number's, nothing recorded)
	resultPending = "pending" // not finished at Twilio yet: looked at again next round
	resultFailed  = "failed"  // the Sink or Twilio's API failed; looked at again next round
)

// Finder tells whether a source key is stored: ticket.Store's FindSource.
type Finder interface {
	FindSource(ctx context.Context, sourceKey string) (ticket.Receipt, error)
}

// Options configure a Reconciler. A nil *Options is equivalent to a zero
// one.
type Options struct {
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// Registerer receives the metrics; nil registers none.
	Registerer prometheus.Registerer
	// Instance names this process in the lease; default: a random name.
	Instance string
	// Now is the time, Redis's clock for preference; default time.Now.
	Now func() time.Time
	// MaxPerRound bounds the items one list reads in a round. Default:
	// DefaultMaxPerRound.
	MaxPerRound int
	// Settle is how old an item must be before a round looks at it.
	// Default: DefaultSettle.
	Settle time.Duration
	// Durable, when set, waits until the store would keep what a list filed
	// through a crash of its host, before the list's watermark moves past
	// it.
	Durable func(ctx context.Context) error
}

// Reconciler runs the reconciliation rounds. Its methods are safe for
// concurrent use, though a process runs one Run.
type Reconciler struct {
	cfg      config.Twilio
	rdb      redis.UniversalClient
	sink     phone.Sink
	store    Finder
	opts     Options
	log      *slog.Logger
	numbers  map[string]config.Number
	leaseKey string
	stateKey string
	counts   *prometheus.CounterVec
}

// New returns a Reconciler of cfg's account and numbers, filing through
// sink what store does not hold, with its lease and watermarks in rdb under
// prefix.
func New(cfg config.Twilio, prefix string, rdb redis.UniversalClient, sink phone.Sink, store Finder, opts *Options) *Reconciler {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Instance == "" {
		var b [6]byte
		_, _ = rand.Read(b[:]) // never fails
		o.Instance = "reconcile-" + hex.EncodeToString(b[:])
	}
	if o.MaxPerRound <= 0 {
		o.MaxPerRound = DefaultMaxPerRound
	}
	if o.Settle <= 0 {
		o.Settle = DefaultSettle
	}
	r := &Reconciler{
		cfg: cfg, rdb: rdb, sink: sink, store: store, opts: o, log: o.Logger,
		numbers:  make(map[string]config.Number, len(cfg.Numbers)),
		leaseKey: prefix + ":twilio:{reconcile}:lease",
		stateKey: prefix + ":twilio:{reconcile}:state",
		counts: promreg.Register(o.Registerer, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "frontdesk_twilio_reconciled_total",
			Help: "Inbound messages, calls and recordings read from Twilio's API by the reconciliation, by kind and result (present, filed, ignored, pending, failed).",
		}, []string{"kind", "result"})),
	}
	for _, n := range cfg.Numbers {
		if n.Queue == "" {
			n.Queue = cfg.DefaultQueue
		}
		r.numbers[n.Number] = n
	}
	for _, kind := range []string{kindMessage, kindCall, kindRecording} {
		for _, res := range []string{resultPresent, resultFiled, resultIgnored, resultPending, resultFailed} {
			r.counts.WithLabelValues(kind, res)
		}
	}
	return r
}

// Run runs a round at once and then every twilio.reconcile_interval until
// ctx ends; a round another instance runs (it holds the lease) is skipped.
// With no interval or no numbers it returns at once.
func (r *Reconciler) Run(ctx context.Context) {
	every := r.cfg.ReconcileInterval
	if every <= 0 || len(r.numbers) == 0 {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		switch ran, err := r.Round(ctx); {
		case ctx.Err() != nil:
			return
		case err != nil && fault.IsUnavailable(err):
			r.log.LogAttrs(ctx, slog.LevelWarn, "twilio reconciliation: round cut short, Redis unavailable", slog.Any("error", err))
		case err != nil:
			r.log.LogAttrs(ctx, slog.LevelWarn, "twilio reconciliation: round cut short", slog.Any("error", err))
		case !ran:
			r.log.LogAttrs(ctx, slog.LevelDebug, "twilio reconciliation: another instance has this round")
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Round runs one round, unless another instance holds the lease (then it
// reports false). The lease lasts nine tenths of the interval and is not
// given back: it is also what keeps the other instances from running a
// round of their own before the next one is due.
func (r *Reconciler) Round(ctx context.Context) (bool, error) {
	ttl := r.cfg.ReconcileInterval * 9 / 10
	if ttl <= 0 {
		ttl = time.Minute
	}
	held, err := r.acquire(ctx, ttl)
	if err != nil || !held {
		return false, err
	}
	recorded := map[string]bool{} // calls with a completed recording, from this round's recordings
	lists := []list{r.recordings(recorded)}
	for _, n := range r.cfg.Numbers {
		lists = append(lists, r.messages(n.Number), r.calls(n.Number, recorded))
	}
	var errs []error
	for _, l := range lists {
		if err := r.reconcile(ctx, l); err != nil {
			if fault.IsUnavailable(err) || ctx.Err() != nil {
				return true, err // the rest waits for Redis
			}
			errs = append(errs, err)
		}
	}
	return true, errors.Join(errs...)
}

// list is one of Twilio's lists a round reads: its name in the state hash,
// its kind, and how it is read and filed.
type list struct {
	name string
	kind string
	// read lists the items dated after after and not after before,
	// newest first, at most limit.
	read func(ctx context.Context, after, before time.Time, limit int) ([]item, error)
}

// item is one listed message, call or recording: when it is dated, and how
// it is filed if it is not stored.
type item struct {
	sid  string
	at   time.Time
	file func(ctx context.Context) (string, error)
}

// listState is what Redis remembers of a list between rounds (ms since the
// epoch; 0 when unset): everything dated up to Watermark is checked; while
// a cut round is being continued, Target is the upper bound it works
// towards, Before where it goes on, and Held whether an item already read
// failed or was pending (then the watermark does not move when it is done).
type listState struct {
	Watermark int64 `json:"watermark"`
	Target    int64 `json:"target,omitempty"`
	Before    int64 `json:"before,omitempty"`
	Held      bool  `json:"held,omitempty"`
}

// reconcile reads one list from where it got and files what is missing.
func (r *Reconciler) reconcile(ctx context.Context, l list) error {
	st, err := r.loadState(ctx, l.name)
	if err != nil {
		return err
	}
	now := r.opts.Now()
	target := now.Add(-r.opts.Settle)
	before := target
	if st.Target != 0 {
		target, before = time.UnixMilli(st.Target), time.UnixMilli(st.Before)
	}
	after := now.Add(-r.cfg.ReconcileWindow)
	if st.Watermark != 0 {
		after = later(after, time.UnixMilli(st.Watermark).Add(-overlap))
	}
	if !after.Before(before) {
		return nil
	}
	items, err := l.read(ctx, after, before, r.opts.MaxPerRound)
	if err != nil {
		return fmt.Errorf("reconcile %s: list from Twilio: %w", l.name, err)
	}
	held := false  // an item failed or is pending: the watermark stays
	filed := false // something was handed to the Sink
	oldest := before
	var firstErr error
	for _, it := range items {
		if it.at.After(before) || !it.at.After(after) {
			continue // Twilio's filters are by date; ours are exact
		}
		oldest = it.at
		res, err := it.file(ctx)
		if err != nil {
			res = resultFailed
			if fault.IsUnavailable(err) || ctx.Err() != nil {
				return fmt.Errorf("reconcile %s %s: %w", l.kind, it.sid, err)
			}
			r.log.LogAttrs(ctx, slog.LevelWarn, "twilio reconciliation: cannot file",
				slog.String("kind", l.kind), slog.String("sid", it.sid), slog.Any("error", err))
			firstErr = cmp(firstErr, fmt.Errorf("reconcile %s %s: %w", l.kind, it.sid, err))
		}
		if res == resultFailed || res == resultPending {
			held = true
		}
		r.counts.WithLabelValues(l.kind, res).Inc()
		if res == resultFiled {
			filed = true
			r.log.LogAttrs(ctx, slog.LevelInfo, "twilio reconciliation: filed what no webhook brought",
				slog.String("kind", l.kind), slog.String("sid", it.sid), slog.Time("at", it.at))
		}
	}
	switch {
	case len(items) >= r.opts.MaxPerRound:
		// Cut: the next round goes on below the oldest item read.
		if !oldest.Before(before) {
			oldest = before.Add(-time.Second) // one second's items beyond the limit: go past them
		}
		st.Target, st.Before, st.Held = target.UnixMilli(), oldest.UnixMilli(), st.Held || held
	case held || st.Held:
		st = listState{Watermark: st.Watermark} // read it all again next round
	default:
		st = listState{Watermark: target.UnixMilli()}
	}
	if filed && r.opts.Durable != nil {
		if err := r.opts.Durable(ctx); err != nil {
			return fmt.Errorf("reconcile %s: wait until the store keeps what was filed: %w", l.name, err)
		}
	}
	if err := r.saveState(ctx, l.name, st); err != nil {
		return err
	}
	return firstErr
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func cmp(first, err error) error {
	if first != nil {
		return first
	}
	return err
}

// acquireScript takes the lease when it is free or this instance holds it.
// KEYS[1] lease; ARGV[1] instance, ARGV[2] TTL in ms. Returns 1 or 0.
var acquireScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if v and v ~= ARGV[1] then
  return 0
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`)

// saveScript writes one list's state while this instance holds the lease.
// KEYS[1] lease, KEYS[2] state; ARGV[1] instance, ARGV[2] list, ARGV[3]
// state JSON. Returns 1, or 0 when the lease is another's or gone.
var saveScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
return 1
`)

func (r *Reconciler) acquire(ctx context.Context, ttl time.Duration) (bool, error) {
	n, err := acquireScript.Run(ctx, r.rdb, []string{r.leaseKey}, r.opts.Instance, ttl.Milliseconds()).Int()
	if err != nil {
		return false, fault.Redis("take the reconciliation lease", err)
	}
	return n == 1, nil
}

func (r *Reconciler) loadState(ctx context.Context, name string) (listState, error) {
	v, err := r.rdb.HGet(ctx, r.stateKey, name).Result()
	if errors.Is(err, redis.Nil) {
		return listState{}, nil
	}
	if err != nil {
		return listState{}, fault.Redis("read the reconciliation state of "+name, err)
	}
	var st listState
	if err := json.Unmarshal([]byte(v), &st); err != nil {
		return listState{}, nil // unreadable: start over, within the window
	}
	return st, nil
}

// errLeaseLost: the round outlived its lease, and another instance may
// have taken it; the state is left to that one.
var errLeaseLost = errors.New("reconciliation lease lost")

func (r *Reconciler) saveState(ctx context.Context, name string, st listState) error {
	b, _ := json.Marshal(st) // plain integers
	n, err := saveScript.Run(ctx, r.rdb, []string{r.leaseKey, r.stateKey}, r.opts.Instance, name, string(b)).Int()
	if err != nil {
		return fault.Redis("save the reconciliation state of "+name, err)
	}
	if n == 0 {
		return fmt.Errorf("save the reconciliation state of %s: %w", name, errLeaseLost)
	}
	return nil
}
