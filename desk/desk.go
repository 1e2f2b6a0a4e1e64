// Package desk is what happens to a ticket: the verbs of the front desk, in one
// place, over the ticket store (package ticket), the rules (package routing)
// and the people who work the queues.
//
// A mail's path, top-down:
//
//  1. intake/imappoll fetches it (or an MTA pushes it), intake/mailparse reads
//     it, and intake/email finds the ticket it continues (threading) or makes
//     a new one of it: a ticket.NewTicket.
//  2. Desk.Receive files a new ticket in explicit steps: route (the rules
//     decide queue, priority, tags, SLA, assignee, spam; routing.Compiled),
//     set the first-response due time (FirstResponseDue), store (one script,
//     idempotent by the input's source key), then acknowledge (an automatic
//     answer through the one outbound-mail builder, when the queue or a rule
//     asks for one and the sender may get one). Desk.Continue puts a mail
//     that threads onto its ticket.
//  3. An assistant takes it (Desk.TakeNext, from one queue or from all),
//     answers (Desk.Reply, or writes a Desk.Note for colleagues), hands it
//     over, releases or closes it (Desk.Assign, Desk.Release, Desk.SetStatus).
//  4. The answer waits in the outbox as its own queue entry (state, attempts,
//     next try, lease). A delivery worker (package responders) takes it with
//     Desk.NextOutgoing, marks it Sending at the last moment before it hands
//     it to the server, and records Sent or Failed, or a retry (Desk.Retry),
//     by the desk's retry policy.
//
// Calls, texts and faxes take the same path from step 2 on (intake/phone and
// intake/phonetickets make their NewTicket), and the HTTP layer (web/api,
// web/ui) calls the same verbs as the assistants' hands.
package desk

import (
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"frontdesk/config"
	"frontdesk/internal/promreg"
	"frontdesk/routing"
	"frontdesk/routing/assign"
	"frontdesk/ticket"
)

// Desk is the front desk: every change to a ticket goes through it. It is safe
// for concurrent use; every instance has one, and they share everything
// through the store.
type Desk struct {
	store    ticket.Store
	cfg      *config.Config
	assigner *assign.Assigner
	people   People
	rdb      redis.UniversalClient // the acknowledgement brake
	logger   *slog.Logger
	now      func() time.Time
	rules    atomic.Pointer[routing.Compiled]
	signer   signer

	// queued, when set, is told that an outbound message was queued, so
	// that this instance's delivery workers look at once.
	queued func()

	decisions *prometheus.CounterVec
	acks      *prometheus.CounterVec
	erased    *prometheus.CounterVec // erase.go
}

// Options configure a Desk. A nil *Options is equivalent to a zero one.
type Options struct {
	// Assigner picks team members for a rule's assign action; nil leaves
	// such tickets waiting in their queue.
	Assigner *assign.Assigner
	// Redis keeps the acknowledgement brake; nil sends no acknowledgements.
	Redis      redis.UniversalClient
	Logger     *slog.Logger
	Registerer prometheus.Registerer
	Now        func() time.Time
}

// New returns the desk over store, with the queues, mailboxes and calendars of
// cfg. Until SetRules is called, tickets keep intake's queue.
func New(store ticket.Store, cfg *config.Config, opts *Options) *Desk {
	if opts == nil {
		opts = &Options{}
	}
	d := &Desk{store: store, cfg: cfg, assigner: opts.Assigner, rdb: opts.Redis, logger: opts.Logger, now: opts.Now}
	if d.logger == nil {
		d.logger = slog.Default()
	}
	if d.now == nil {
		d.now = time.Now
	}
	d.signer = signer{store: store}
	d.decisions = promreg.Register(opts.Registerer, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "frontdesk_routing_decisions_total",
		Help: "New tickets routed, by the first rule that matched (\"\" for none) and whether they were marked spam.",
	}, []string{"rule", "spam"}))
	d.acks = promreg.Register(opts.Registerer, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "frontdesk_acknowledgements_total",
		Help: "Acknowledgements of new tickets: queued, or held back by the brake (per address or per domain and hour).",
	}, []string{"result"}))
	d.erased = erasedCounter(opts.Registerer)
	return d
}

// Store is the ticket store the desk works on, for reading: tickets, lists,
// queue counts, attachments. Changes go through the desk's verbs.
func (d *Desk) Store() ticket.Store { return d.store }

// Config is the configuration the desk works by.
func (d *Desk) Config() *config.Config { return d.cfg }

// SetRules makes c the rule set new tickets are routed by, at once and for
// every goroutine (Rules.Watch calls it when a new version appears).
func (d *Desk) SetRules(c *routing.Compiled) { d.rules.Store(c) }

// Rules returns the rule set in use, or nil.
func (d *Desk) Rules() *routing.Compiled { return d.rules.Load() }

// OnQueued registers fn to be called, without blocking, whenever the desk
// queues an outbound message: the delivery workers of this instance use it to
// look at once instead of at their next poll.
func (d *Desk) OnQueued(fn func()) { d.queued = fn }

func (d *Desk) notifyQueued() {
	if d.queued != nil {
		d.queued()
	}
}

// Queues are the configured queue names, in order.
func (d *Desk) Queues() []string {
	names := make([]string, 0, len(d.cfg.Queues))
	for _, q := range d.cfg.Queues {
		names = append(names, q.Name)
	}
	return names
}
