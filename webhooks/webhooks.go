// Package webhooks delivers frontdesk's outgoing webhooks: ticket events
// (ticket.created, ticket.assigned, ticket.replied, ticket.closed,
// ticket.reopened, sla.breached) POSTed as signed JSON to the URLs of the
// webhooks: configuration.
//
// The events are recorded by the ticket store in the same Lua script as the
// change that causes them (ticket/redisstore/lua/hooks.lua), into a list per
// ticket and hook, so none is lost and none is recorded twice. A Deliverer
// takes a ticket's oldest event under a lease by Redis's clock, POSTs it and
// records the outcome; the ticket's next event for that hook is given out
// only once the one before is settled, so each receiver sees a ticket's
// events in order. Several instances share the work; one that stops leaves
// its event to another when the lease runs out. A receiver may see an event
// again after such a stop (or when its answer was lost): the
// X-Frontdesk-Delivery header, and the body, are the same on every attempt,
// so it can keep each event once.
//
// A failed attempt (no 2xx answer within the timeout; redirects are not
// followed) is tried again with exponential backoff until a day after the
// event happened; then the event is dead: kept in the hook's dead list and
// log, and the ticket's next event goes.
package webhooks

import (
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	mrand "math/rand/v2"
	"net/url"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"frontdesk/config"
	"frontdesk/fault"
	"frontdesk/ticket"
)

// Store is what a Deliverer needs of the ticket store (redisstore.Store).
type Store interface {
	RegisterHooks(ctx context.Context, hooks map[string][]string) error
	TakeHookEvent(ctx context.Context, hook string, lease time.Duration, hold string) (ticket.HookEvent, error)
	SettleHookEvent(ctx context.Context, e ticket.HookEvent, o ticket.HookOutcome) (ticket.HookResult, error)
}

// Defaults of Options.
const (
	DefaultTimeout = 10 * time.Second
	DefaultMaxAge  = 24 * time.Hour
	DefaultWorkers = 4
	DefaultPoll    = time.Second
)

// Options configure a Deliverer. A nil *Options is equivalent to a zero
// Options.
type Options struct {
	Logger     *slog.Logger
	Registerer prometheus.Registerer
	// PublicURL is http.public_url: when set, each event's ticket carries
	// its page's address ("url").
	PublicURL string
	// Timeout bounds one attempt, connecting to reading the answer.
	// DefaultTimeout when zero.
	Timeout time.Duration
	// MaxAge is how long after an event happened it is still tried.
	// DefaultMaxAge when zero.
	MaxAge time.Duration
	// Workers is how many events of one hook this instance sends at once
	// (each of a different ticket). DefaultWorkers when zero.
	Workers int
	// Poll is how often an idle worker looks for due events. DefaultPoll
	// when zero.
	Poll time.Duration
	// Lease is how long a worker holds an event before another may take it;
	// Timeout + 20 s when zero. It must outlast an attempt.
	Lease time.Duration
	// Backoff is the wait after the attempt-th failed attempt; Backoff when
	// nil.
	Backoff func(attempt int) time.Duration
	// Version goes into the User-Agent.
	Version string
}

// Backoff is the default wait after the attempt-th failed attempt: 10 s,
// doubling each time up to an hour, each varied by up to a tenth either
// way so that the retries of many events do not come at once. About 30 attempts fit in
// a day.
func Backoff(attempt int) time.Duration {
	d := 10 * time.Second
	for i := 1; i < attempt && d < time.Hour; i++ {
		d *= 2
	}
	d = min(d, time.Hour)
	return d - d/10 + time.Duration(mrand.Int64N(int64(d/5)+1))
}

// hook is one configured webhook, ready to send to.
type hook struct {
	config.Webhook
	id     string
	target *url.URL
	client *guardedClient
}

// Deliverer sends the events of the configured webhooks.
type Deliverer struct {
	store   Store
	hooks   []*hook
	logger  *slog.Logger
	opts    Options
	metrics *metrics
}

// New returns a Deliverer of hooks (validated by config) on store.
func New(store Store, hooks []config.Webhook, opts *Options) *Deliverer {
	o := Options{}
	if opts != nil {
		o = *opts
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxAge <= 0 {
		o.MaxAge = DefaultMaxAge
	}
	if o.Workers <= 0 {
		o.Workers = DefaultWorkers
	}
	if o.Poll <= 0 {
		o.Poll = DefaultPoll
	}
	if o.Lease <= 0 {
		o.Lease = o.Timeout + 20*time.Second
	}
	if o.Backoff == nil {
		o.Backoff = Backoff
	}
	d := &Deliverer{store: store, logger: o.Logger.With("component", "webhooks"), opts: o, metrics: newMetrics(o.Registerer)}
	for _, w := range hooks {
		u, err := url.Parse(w.URL)
		if err != nil {
			continue // config validated it
		}
		d.hooks = append(d.hooks, &hook{Webhook: w, id: w.ID(), target: u, client: newGuardedClient(u, o.Timeout)})
	}
	return d
}

// Register tells the store which events to record for which hook. Run does
// it first; it is separate for tests and for instances that only record.
func (d *Deliverer) Register(ctx context.Context) error {
	m := make(map[string][]string, len(d.hooks))
	for _, h := range d.hooks {
		m[h.id] = h.Events
	}
	return d.store.RegisterHooks(ctx, m)
}

// Run registers the hooks and delivers their events until ctx ends. An
// attempt under way when it ends is finished (it is bounded by the
// timeout) and recorded, so that a restart does not send it again.
func (d *Deliverer) Run(ctx context.Context) error {
	for {
		err := d.Register(ctx)
		if err == nil {
			break
		}
		d.logger.Warn("register webhooks; trying again", slog.Any("error", err))
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(2 * time.Second):
		}
	}
	var wg sync.WaitGroup
	for _, h := range d.hooks {
		for range d.opts.Workers {
			wg.Go(func() { d.work(ctx, h) })
		}
	}
	wg.Wait()
	return nil
}

// work delivers hook h's events, one at a time, until ctx ends.
func (d *Deliverer) work(ctx context.Context, h *hook) {
	idle := time.NewTimer(0)
	defer idle.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-idle.C:
		}
		wait, err := d.once(ctx, h)
		if err != nil {
			d.logger.Warn("webhook delivery", slog.String("hook", h.id), slog.Any("error", err))
		}
		idle.Reset(wait)
	}
}

// once takes one due event of h and delivers it. It returns how long to
// wait before the next: nothing when it delivered one (more may be due).
func (d *Deliverer) once(ctx context.Context, h *hook) (time.Duration, error) {
	e, err := d.store.TakeHookEvent(ctx, h.id, d.opts.Lease, rand.Text())
	switch {
	case errors.Is(err, fault.ErrNotFound):
		return d.opts.Poll, nil
	case err != nil:
		return 2 * d.opts.Poll, err // Redis is away: not an attempt
	}
	// The attempt and its record are finished even when ctx ends meanwhile.
	actx := context.WithoutCancel(ctx)
	o := d.send(actx, h, e)
	o.MaxAge = d.opts.MaxAge
	if !o.Delivered {
		o.RetryIn = d.opts.Backoff(e.Attempt)
	}
	var result ticket.HookResult
	for try := 0; ; try++ {
		result, err = d.store.SettleHookEvent(actx, e, o)
		if err == nil || errors.Is(err, fault.ErrConflict) || try == 2 {
			break
		}
		time.Sleep(time.Second)
	}
	if err != nil {
		// Unrecorded: the event is taken again when the lease ends, and
		// sent again under the same delivery id.
		return 0, err
	}
	d.metrics.record(h.id, result, o.Duration)
	level := slog.LevelDebug
	if result != ticket.HookDelivered {
		level = slog.LevelWarn
	}
	d.logger.Log(ctx, level, "webhook attempt", slog.String("hook", h.id), slog.String("delivery", e.DeliveryID()),
		slog.String("event", e.Event), slog.Int("attempt", e.Attempt), slog.String("result", string(result)),
		slog.Int("status", o.Status), slog.String("error", o.Error))
	return 0, nil
}
