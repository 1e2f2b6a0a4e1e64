package desk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"time"

	"frontdesk/config"
	"frontdesk/fault"
	"frontdesk/intake/mailparse"
	"frontdesk/routing"
	"frontdesk/routing/rulestore"
	"frontdesk/ticket"
)

// Rules is the rule set as managers change and test it: read, replace
// (validated whole), test against a mail or a ticket, history, rollback. Every
// change is a new version in Redis; every instance follows it (Watch).
type Rules struct {
	store *rulestore.Store
	desk  *Desk
	cfg   *config.Config
	now   func() time.Time
}

// NewRules returns the rule service over the versions in rs, applying them to d.
func NewRules(rs *rulestore.Store, d *Desk) *Rules {
	return &Rules{store: rs, desk: d, cfg: d.cfg, now: d.now}
}

// compile parses and validates a rule set; an invalid one is fault.ErrInvalid
// with every problem named by rule and field.
func (r *Rules) compile(data []byte) (*routing.Compiled, error) {
	rs, err := routing.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", fault.ErrInvalid, err)
	}
	c, err := routing.Compile(rs, routing.KnownFrom(r.cfg))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", fault.ErrInvalid, err)
	}
	return c, nil
}

// Current returns the rule set in force, with its version; an empty set of
// version 0 when none was ever stored.
func (r *Rules) Current(ctx context.Context) (*routing.RuleSet, error) {
	v, err := r.store.Current(ctx)
	if errors.Is(err, fault.ErrNotFound) {
		return &routing.RuleSet{Rules: []routing.Rule{}}, nil
	}
	if err != nil {
		return nil, err
	}
	rs, err := routing.Parse(v.Rules)
	if err != nil {
		return nil, fmt.Errorf("stored rule set %d: %w", v.Number, err)
	}
	rs.Version = v.Number
	return rs, nil
}

// Replace validates body (a rule set) whole and stores it as the next version,
// which this instance uses at once and the others within two seconds. When
// body names the version it was read as, it is stored only if that version is
// still in force (version 0: while no rule set is stored), else
// fault.ErrConflict: two managers editing at once cannot silently undo each
// other's change. A body without a version replaces whatever is in force.
func (r *Rules) Replace(ctx context.Context, body []byte, by string) (int, error) {
	c, err := r.compile(body)
	if err != nil {
		return 0, err
	}
	rs := c.Rules()
	raw, err := json.Marshal(rs)
	if err != nil {
		return 0, err
	}
	var n int
	switch {
	case !rs.VersionGiven:
		n, err = r.store.Put(ctx, raw, by, "")
	case rs.Version > 0:
		n, err = r.store.PutIf(ctx, raw, by, "", rs.Version)
	default:
		var stored bool
		n, stored, err = r.store.PutIfNone(ctx, raw, by)
		if err == nil && !stored {
			err = fmt.Errorf("store rule set: %w: it was based on no rule set, but version %d is in force now", fault.ErrConflict, n)
		}
	}
	if err != nil {
		return 0, err
	}
	r.apply(raw, n)
	return n, nil
}

// Rollback stores version n's rules again as the next version.
func (r *Rules) Rollback(ctx context.Context, n int, by string) (int, error) {
	v, err := r.store.Get(ctx, n)
	if err != nil {
		return 0, err
	}
	if _, err := r.compile(v.Rules); err != nil {
		return 0, fmt.Errorf("version %d no longer fits the configuration: %w", n, err)
	}
	m, err := r.store.Rollback(ctx, n, by)
	if err != nil {
		return 0, err
	}
	r.apply(v.Rules, m)
	return m, nil
}

// History lists the stored versions, newest first.
func (r *Rules) History(ctx context.Context, limit int) ([]rulestore.Version, error) {
	return r.store.History(ctx, limit)
}

func (r *Rules) apply(raw []byte, version int) {
	c, err := r.compile(raw)
	if err != nil {
		return
	}
	c.SetVersion(version)
	r.desk.SetRules(c)
}

// Watch keeps this instance's rules in step with Redis until ctx ends.
func (r *Rules) Watch(ctx context.Context, logger *slog.Logger) {
	r.store.Watch(ctx, time.Second, logger, func(v rulestore.Version) error {
		c, err := r.compile(v.Rules)
		if err != nil {
			return fmt.Errorf("rule set version %d: %w", v.Number, err)
		}
		c.SetVersion(v.Number)
		r.desk.SetRules(c)
		return nil
	})
}

// LoadFile stores the rules of path as the first version when Redis holds
// none yet (several instances starting at once load it once).
func (r *Rules) LoadFile(ctx context.Context, path string) error {
	c, err := CompileRulesFile(r.cfg, path)
	if err != nil {
		return err
	}
	raw, err := json.Marshal(c.Rules())
	if err != nil {
		return err
	}
	_, _, err = r.store.PutIfNone(ctx, raw, "rules_file")
	return err
}

// CompileRulesFile reads and validates a rules file against the
// configuration (its queues, teams and calendars). Its errors name the key,
// the file, and every rule and field at fault: "rules_file rules.yaml:
// rules[1] "Invoices": conditions[0].op: unknown operator "like"". check-config
// and serve run it before anything starts.
func CompileRulesFile(cfg *config.Config, path string) (*routing.Compiled, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("rules_file: %w", err)
	}
	rs, err := routing.Parse(data)
	if err == nil {
		var c *routing.Compiled
		if c, err = routing.Compile(rs, routing.KnownFrom(cfg)); err == nil {
			return c, nil
		}
	}
	return nil, fmt.Errorf("rules_file %s: %w: %w", path, fault.ErrInvalid, err)
}

// testRequest is the body of a rule test: a pasted mail, or a ticket as the
// API shows it, and optionally a draft rule set to test instead of the
// current one.
type testRequest struct {
	EML     string           `json:"eml"`
	Mailbox string           `json:"mailbox"`
	Ticket  *ticket.Ticket   `json:"ticket"`
	Rules   *json.RawMessage `json:"rules"`
}

// Test runs a mail or ticket through the current rules (or a draft).
func (r *Rules) Test(ctx context.Context, body []byte) (routing.TestResult, error) {
	var req testRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return routing.TestResult{}, fmt.Errorf("rule test: %w: %w", fault.ErrInvalid, err)
	}
	if req.EML == "" && req.Ticket == nil {
		// A bare ticket JSON is accepted too.
		var t ticket.Ticket
		if err := json.Unmarshal(body, &t); err == nil && (t.Subject != "" || len(t.Messages) > 0) {
			req.Ticket = &t
		}
	}
	var c *routing.Compiled
	var err error
	if req.Rules != nil {
		if c, err = r.compile(*req.Rules); err != nil {
			return routing.TestResult{}, err
		}
	} else if c = r.desk.Rules(); c == nil {
		if c, err = r.compile([]byte(`{"rules": []}`)); err != nil {
			return routing.TestResult{}, err
		}
	}
	return TestInput(c, r.cfg, req.EML, req.Mailbox, req.Ticket, r.now())
}

// TestInput decides for a pasted mail (eml) or a ticket with c; the rules test
// command uses it too.
func TestInput(c *routing.Compiled, cfg *config.Config, eml, mailbox string, t *ticket.Ticket, now time.Time) (routing.TestResult, error) {
	var in routing.Input
	var warnings []string
	start := routing.Decision{Priority: ticket.PriorityNormal}
	switch {
	case eml != "":
		m, err := mailparse.Parse([]byte(eml), &mailparse.Options{FaxSenders: cfg.Fax.EmailSenders})
		if err != nil {
			return routing.TestResult{}, fmt.Errorf("rule test: the mail: %w: %w", fault.ErrInvalid, err)
		}
		in = InputOfMail(m, mailbox, now)
		warnings = m.Warnings
		if mb, ok := cfg.Mailbox(mailbox); ok {
			start.Queue = mb.Queue
		} else if len(cfg.Queues) > 0 {
			start.Queue = cfg.Queues[0].Name
		}
	case t != nil:
		in = InputOfTicket(t, now)
		start.Queue, start.Priority = t.Queue, in.Priority
	default:
		return routing.TestResult{}, fmt.Errorf("rule test: give a mail as \"eml\" or a ticket: %w", fault.ErrInvalid)
	}
	res := c.Test(in, start)
	res.Warnings = warnings
	return res, nil
}

// InputOfMail is what the rules see of a parsed mail.
func InputOfMail(m *mailparse.Mail, mailbox string, now time.Time) routing.Input {
	in := routing.Input{Channel: ticket.ChannelEmail, Mailbox: mailbox, From: m.From.Address,
		Subject: m.Subject, Body: m.Text, Kind: ticket.Kind(m.Kind), Priority: ticket.PriorityNormal, Now: now}
	if m.Fax {
		in.Channel, in.Kind = ticket.ChannelFax, ticket.KindFax
	}
	for _, a := range m.To {
		in.To = append(in.To, a.Address)
	}
	for _, a := range m.Cc {
		in.Cc = append(in.Cc, a.Address)
	}
	for _, a := range m.Attachments {
		in.Attachments = append(in.Attachments, a.ContentType)
	}
	return in
}

// InputOfTicket is what the rules see of a ticket (its first message).
func InputOfTicket(t *ticket.Ticket, now time.Time) routing.Input {
	nt := ticket.NewTicket{Channel: t.Channel, Queue: t.Queue, Priority: t.Priority, Subject: t.Subject, Customer: t.Customer}
	if len(t.Messages) > 0 {
		m := t.Messages[0]
		nt.Message = ticket.NewMessage{Kind: m.Kind, From: m.From, To: m.To, Cc: m.Cc, Text: m.Text}
		for _, a := range m.Attachments {
			nt.Message.Attachments = append(nt.Message.Attachments, ticket.NewAttachment{ContentType: a.ContentType})
		}
	}
	return inputOf(nt, now)
}

// Reroute runs the current rules again on a stored ticket (its first message)
// and moves it where they send it now: queue, priority, tags. Assignment and
// spam are left to people at this point. The ticket keeps its first-response
// due time: a promise made is not moved.
func (r *Rules) Reroute(ctx context.Context, id, by string) (routing.TestResult, error) {
	t, err := r.desk.store.Get(ctx, id)
	if err != nil {
		return routing.TestResult{}, err
	}
	c := r.desk.Rules()
	if c == nil {
		return routing.TestResult{}, fmt.Errorf("reroute ticket %s: %w: no rules are in force", id, fault.ErrConflict)
	}
	res, err := TestInput(c, r.cfg, "", "", t, r.now())
	if err != nil {
		return routing.TestResult{}, err
	}
	d := res.Decision
	tags := append([]string{}, t.Tags...)
	for _, tag := range d.Tags {
		if !slices.Contains(tags, tag) {
			tags = append(tags, tag)
		}
	}
	note := fmt.Sprintf("routed again by the rules of version %d: rules %s; queue %s; priority %s", c.Version(), quoteAll(res.Matched), d.Queue, d.Priority)
	if len(res.Matched) == 0 {
		note = fmt.Sprintf("routed again by the rules of version %d: no rule matched; queue %s; priority %s", c.Version(), d.Queue, d.Priority)
	}
	if err := r.desk.store.Reroute(ctx, id, ticket.Move{Queue: d.Queue, Priority: ticket.Priority(d.Priority), Tags: tags, By: by, Event: "routed", Detail: note}); err != nil {
		return routing.TestResult{}, err
	}
	return res, nil
}
