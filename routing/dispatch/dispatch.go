// Package dispatch applies routing to tickets as intake creates them: it runs
// the current rule set (package routing, pure decisions) on what is about to
// be stored, picks the assistant (package assign), and puts the whole decision
// — queue, priority, tags, first-response due time, assignee, spam — into the
// one create, so that a crash never leaves a ticket half routed.
package dispatch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"frontdesk/config"
	"frontdesk/fault"
	"frontdesk/internal/promreg"
	"frontdesk/routing"
	"frontdesk/routing/assign"
	"frontdesk/ticket"
)

// Store is a ticket.Store whose Create routes new tickets first. Every other
// method is the wrapped store's.
type Store struct {
	ticket.Store
	acker    Acker
	cfg      *config.Config
	assigner *assign.Assigner
	logger   *slog.Logger
	now      func() time.Time
	rules    atomic.Pointer[routing.Compiled]

	decisions *prometheus.CounterVec
}

// Acker queues the acknowledgement of a new ticket when one is due
// (package responders); enabled is routing's word, nil for the queue's.
type Acker interface {
	Acknowledge(ctx context.Context, r ticket.Receipt, nt ticket.NewTicket, enabled *bool) error
}

// Options configure a Store. A nil *Options is equivalent to a zero one.
type Options struct {
	// Acker, when set, acknowledges new tickets after they are stored, also
	// on a retry that finds the ticket stored (it is idempotent).
	Acker      Acker
	Logger     *slog.Logger
	Registerer prometheus.Registerer
	Now        func() time.Time
}

// New wraps inner. Until SetRules is called, tickets keep intake's queue.
func New(inner ticket.Store, cfg *config.Config, assigner *assign.Assigner, opts *Options) *Store {
	if opts == nil {
		opts = &Options{}
	}
	s := &Store{Store: inner, acker: opts.Acker, cfg: cfg, assigner: assigner, logger: opts.Logger, now: opts.Now}
	if s.logger == nil {
		s.logger = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.decisions = promreg.Register(opts.Registerer, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "frontdesk_routing_decisions_total",
		Help: "New tickets routed, by the first rule that matched (\"\" for none) and whether they were marked spam.",
	}, []string{"rule", "spam"}))
	return s
}

// SetRules makes c the rule set new tickets are routed by, at once and for
// every goroutine (rulestore.Watch calls it when a new version appears).
func (s *Store) SetRules(c *routing.Compiled) { s.rules.Store(c) }

// Rules returns the rule set in use, or nil.
func (s *Store) Rules() *routing.Compiled { return s.rules.Load() }

// Create routes nt by the current rules, then stores it.
func (s *Store) Create(ctx context.Context, nt ticket.NewTicket) (ticket.Receipt, error) {
	var d routing.Decision
	if c := s.rules.Load(); c != nil {
		now := s.now()
		d = c.Route(InputOf(nt, now), routing.Decision{Queue: nt.Queue, Priority: nt.Priority})
		if err := s.apply(ctx, &nt, d, now); err != nil {
			return ticket.Receipt{}, err
		}
	}
	r, err := s.Store.Create(ctx, nt)
	if err != nil {
		return r, err
	}
	if r.Created {
		first := ""
		if len(d.Matched) > 0 {
			first = d.Matched[0]
		}
		s.decisions.WithLabelValues(first, fmt.Sprint(d.Spam)).Inc()
	}
	if s.acker != nil && r.MessageID == "m1" {
		// Only a ticket this input opened is acknowledged, not a message a
		// thread key joined to an open ticket.
		if err := s.acker.Acknowledge(ctx, r, nt, d.AutoAck); err != nil {
			return r, fmt.Errorf("acknowledge ticket %s: %w", r.TicketID, err)
		}
	}
	return r, nil
}

// apply writes decision d into nt.
func (s *Store) apply(ctx context.Context, nt *ticket.NewTicket, d routing.Decision, now time.Time) error {
	queueChanged := d.Queue != "" && d.Queue != nt.Queue
	if d.Queue != "" {
		nt.Queue = d.Queue
	}
	if d.Priority != "" {
		nt.Priority = d.Priority
	}
	for _, tag := range d.Tags {
		if !slices.Contains(nt.Tags, tag) {
			nt.Tags = append(nt.Tags, tag)
		}
	}
	if d.SLA > 0 || queueChanged {
		nt.FirstResponseDue = s.firstResponseDue(nt.Queue, d.SLA, now)
	}
	if d.Spam {
		nt.Closed = true
		if !slices.Contains(nt.Tags, "spam") {
			nt.Tags = append(nt.Tags, "spam")
		}
	}
	if d.Assign != nil && !d.Spam {
		who, err := s.pick(ctx, d.Assign, nt.Message.SourceKey)
		if err != nil {
			return err
		}
		nt.Assignee = who
	}
	if len(d.Matched) > 0 {
		nt.RouteNote = describe(d, nt)
	}
	return nil
}

// pick names the assistant an assign action gives the ticket to, or "" when
// nobody of the team is available (the ticket then waits in its queue). An
// input already stored (a retry, a redelivery) picks nobody, so that it does
// not take a round-robin turn from the next new ticket: Create returns the
// stored ticket as it is.
func (s *Store) pick(ctx context.Context, a *routing.Assignment, sourceKey string) (string, error) {
	if a.Assignee != "" {
		return a.Assignee, nil
	}
	team, ok := s.cfg.Team(a.Team)
	if !ok || s.assigner == nil {
		return "", nil
	}
	if sourceKey != "" {
		_, err := s.Store.FindSource(ctx, sourceKey)
		if err == nil {
			return "", nil
		}
		if !errors.Is(err, fault.ErrNotFound) {
			return "", fmt.Errorf("assign to team %s: %w", a.Team, err)
		}
	}
	who, err := s.assigner.Pick(ctx, team, a.Strategy)
	switch {
	case err == nil:
		return who, nil
	case fault.IsUnavailable(err):
		return "", fmt.Errorf("assign to team %s: %w", a.Team, err)
	default:
		s.logger.Info("nobody of the team can take the ticket; it waits in its queue",
			slog.String("team", a.Team), slog.Any("reason", err))
		return "", nil
	}
}

// firstResponseDue is sla (or the queue's first_response when sla is 0) from
// now, in the queue's business hours.
func (s *Store) firstResponseDue(queue string, sla time.Duration, now time.Time) time.Time {
	q, _ := s.cfg.Queue(queue)
	if sla <= 0 {
		sla = q.FirstResponse
	}
	if sla <= 0 {
		return time.Time{}
	}
	var cal *config.Calendar
	if c, ok := s.cfg.Calendar(q.BusinessHours); ok && q.BusinessHours != "" {
		cal = &c
	}
	return routing.FirstResponseDue(now, sla, cal)
}

// describe says in one line what routing did, for the ticket's timeline.
func describe(d routing.Decision, nt *ticket.NewTicket) string {
	parts := []string{"rules " + quoteAll(d.Matched), "queue " + nt.Queue, "priority " + string(nt.Priority)}
	if len(d.Tags) > 0 {
		parts = append(parts, "tags "+strings.Join(d.Tags, ","))
	}
	if d.SLA > 0 {
		parts = append(parts, "first response within "+d.SLA.String())
	}
	if d.AutoAck != nil {
		parts = append(parts, fmt.Sprintf("acknowledgement %v", *d.AutoAck))
	}
	if d.Spam {
		parts = append(parts, "spam: closed")
	}
	return strings.Join(parts, "; ")
}

func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}

// InputOf is what the rules see of a new ticket.
func InputOf(nt ticket.NewTicket, now time.Time) routing.Input {
	m := nt.Message
	in := routing.Input{
		Channel: nt.Channel, Mailbox: nt.Mailbox, To: addresses(m.To), Cc: addresses(m.Cc),
		From: address(m.From), Subject: nt.Subject, Body: m.Text, Kind: m.Kind,
		CustomerTags: nt.Customer.Tags, Priority: nt.Priority, Now: now,
	}
	if in.Kind == "" {
		in.Kind = ticket.KindNormal
	}
	if in.Priority == "" {
		in.Priority = ticket.PriorityNormal
	}
	for _, a := range m.Attachments {
		in.Attachments = append(in.Attachments, a.ContentType)
	}
	if nt.Channel != ticket.ChannelEmail {
		in.Caller = m.From
		if len(m.To) > 0 {
			in.Called = m.To[0]
		}
	}
	return in
}

func address(s string) string {
	if a, err := mail.ParseAddress(s); err == nil {
		return strings.ToLower(a.Address)
	}
	return strings.ToLower(strings.TrimSpace(s))
}

func addresses(list []string) []string {
	out := make([]string, 0, len(list))
	for _, s := range list {
		out = append(out, address(s))
	}
	return out
}
