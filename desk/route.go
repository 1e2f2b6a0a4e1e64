package desk

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"slices"
	"strings"
	"time"

	"frontdesk/fault"
	"frontdesk/internal/words"
	"frontdesk/routing"
	"frontdesk/ticket"
)

// route decides where a new ticket goes by the rules in force and writes the
// whole decision into nt — queue, priority, tags, assignee, spam and the
// timeline's note — so that it lands in the one create. Without rules, nt
// keeps intake's queue.
func (d *Desk) route(ctx context.Context, nt *ticket.NewTicket, now time.Time) (routing.Decision, error) {
	c := d.rules.Load()
	if c == nil {
		return routing.Decision{Queue: nt.Queue, Priority: nt.Priority}, nil
	}
	dec := c.Route(inputOf(*nt, now), routing.Decision{Queue: nt.Queue, Priority: nt.Priority})
	if dec.Queue != "" {
		nt.Queue = dec.Queue
	}
	if dec.Priority != "" {
		nt.Priority = dec.Priority
	}
	for _, tag := range dec.Tags {
		if !slices.Contains(nt.Tags, tag) {
			nt.Tags = append(nt.Tags, tag)
		}
	}
	if dec.Spam {
		nt.Closed = true
		if !slices.Contains(nt.Tags, "spam") {
			nt.Tags = append(nt.Tags, "spam")
		}
	}
	if dec.Assign != nil && !dec.Spam {
		who, err := d.pick(ctx, dec.Assign, nt.Message.SourceKey)
		if err != nil {
			return dec, err
		}
		nt.Assignee = who
	}
	if len(dec.Matched) > 0 {
		nt.RouteNote = describe(dec, nt)
	}
	return dec, nil
}

// pick names the assistant an assign action gives the ticket to, or "" when
// nobody of the team is available (the ticket then waits in its queue). An
// input already stored (a retry, a redelivery) picks nobody, so that it does
// not take a round-robin turn from the next new ticket: the store returns the
// stored ticket as it is.
func (d *Desk) pick(ctx context.Context, a *routing.Assignment, sourceKey string) (string, error) {
	if a.Assignee != "" {
		return a.Assignee, nil
	}
	team, ok := d.cfg.Team(a.Team)
	if !ok || d.assigner == nil {
		return "", nil
	}
	if sourceKey != "" {
		_, err := d.store.FindSource(ctx, sourceKey)
		if err == nil {
			return "", nil
		}
		if !errors.Is(err, fault.ErrNotFound) {
			return "", fmt.Errorf("assign to team %s: %w", a.Team, err)
		}
	}
	who, err := d.assigner.Pick(ctx, team, a.Strategy)
	switch {
	case err == nil:
		return who, nil
	case fault.IsUnavailable(err):
		return "", fmt.Errorf("assign to team %s: %w", a.Team, err)
	default:
		d.logger.Info("nobody of the team can take the ticket; it waits in its queue",
			slog.String("team", a.Team), slog.Any("reason", err))
		return "", nil
	}
}

// describe says in one line what routing did, for the ticket's timeline, in
// the words a manager wrote the rules in.
func describe(dec routing.Decision, nt *ticket.NewTicket) string {
	parts := []string{"rules " + quoteAll(dec.Matched), "queue " + nt.Queue}
	if nt.Priority != "" {
		parts = append(parts, "priority "+string(nt.Priority))
	}
	if len(dec.Tags) > 0 {
		parts = append(parts, "tags "+strings.Join(dec.Tags, ", "))
	}
	if dec.SLA > 0 {
		parts = append(parts, "first response within "+words.Duration(dec.SLA))
	}
	if dec.AutoAck != nil {
		parts = append(parts, map[bool]string{true: "acknowledgement on", false: "acknowledgement off"}[*dec.AutoAck])
	}
	if dec.Spam {
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

// inputOf is what the rules see of a new ticket.
func inputOf(nt ticket.NewTicket, now time.Time) routing.Input {
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

// address is the lower-cased address of "Name <addr>" or "addr".
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
