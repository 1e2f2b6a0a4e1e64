package desk

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"frontdesk/fault"
	"frontdesk/routing"
	"frontdesk/ticket"
)

// Receive files a new ticket from intake — a mail, a voicemail, a text, a
// fax — in explicit steps:
//
//  1. route: the rules in force decide queue, priority, tags, assignee and
//     spam (route);
//  2. due: the first-response deadline in the final queue's business hours
//     (FirstResponseDue), unless the input is automatic or list mail;
//  3. store: one script, idempotent by the input's source key — the same
//     input again, from a retry, a redelivery or a second instance, returns
//     the stored ticket;
//  4. acknowledge: when the input opened the ticket (it did not join a
//     conversation by its thread key), an automatic answer if the queue or
//     a rule asks for one and the sender may get one (acknowledge). It is
//     idempotent too, so a retry after a crash between 3 and 4 sends one.
//
// An error means the input is not stored, or stored but not acknowledged;
// either way the caller retries it, and nothing is doubled.
func (d *Desk) Receive(ctx context.Context, nt ticket.NewTicket) (ticket.Receipt, error) {
	now := d.now()
	dec, err := d.route(ctx, &nt, now)
	if err != nil {
		return ticket.Receipt{}, fmt.Errorf("route %s: %w", nt.Message.SourceKey, err)
	}
	nt.FirstResponseDue = time.Time{}
	if promisesAnswer(nt) {
		nt.FirstResponseDue = d.FirstResponseDue(nt.Queue, dec.SLA, now)
	}
	r, err := d.store.Create(ctx, nt)
	if err != nil {
		return r, err
	}
	if r.Created {
		first := ""
		if len(dec.Matched) > 0 {
			first = dec.Matched[0]
		}
		d.decisions.WithLabelValues(first, fmt.Sprint(dec.Spam)).Inc()
	}
	if r.MessageID == "m1" {
		if err := d.acknowledge(ctx, r, nt, dec); err != nil {
			return r, fmt.Errorf("acknowledge ticket %s: %w", r.TicketID, err)
		}
	}
	return r, nil
}

// promisesAnswer reports whether a new ticket gets a first-response deadline:
// not automatic mail (auto-replies, bounces), not list mail, not spam.
func promisesAnswer(nt ticket.NewTicket) bool {
	if nt.Closed {
		return false
	}
	switch nt.Message.Kind {
	case ticket.KindAutoReply, ticket.KindBounce:
		return false
	}
	for _, tag := range []string{"list", "bounce", "auto-reply", "spam"} {
		if slices.Contains(nt.Tags, tag) {
			return false
		}
	}
	return true
}

// Continue puts an inbound message on the ticket it continues (a mail that
// threads by its headers or subject tag), once per source key. A customer's
// message reopens a pending or closed ticket.
func (d *Desk) Continue(ctx context.Context, ticketID string, nm ticket.NewMessage) (ticket.Receipt, error) {
	nm.Direction = ticket.DirectionIn
	r, err := d.store.AppendMessage(ctx, ticketID, nm)
	if err != nil {
		return r, fmt.Errorf("add %s to ticket %s: %w", nm.SourceKey, ticketID, err)
	}
	return r, nil
}

// DeliveryReport records what the world says about one of our outbound
// messages, named by the Message-IDs a report gives (a bounce's original): its
// delivery state (failed for a bounce, delivered for a delivery report) and
// the reason. A report about no message of ours changes nothing. It is
// idempotent: a report read twice records the same.
func (d *Desk) DeliveryReport(ctx context.Context, messageIDs []string, state ticket.Delivery, detail, by string) error {
	tid, mid, err := d.store.FindMessage(ctx, messageIDs...)
	if errors.Is(err, fault.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("find the message a delivery report names: %w", err)
	}
	if err := d.store.SetDelivery(ctx, tid, mid, state, detail, by); err != nil && !errors.Is(err, fault.ErrNotFound) {
		return fmt.Errorf("record %s of a message on ticket %s: %w", state, tid, err)
	}
	return nil
}

// decisionFor is the decision the rules would make for nt, for tests of the
// rules (no side effects: no assignment is picked).
func (d *Desk) decisionFor(nt ticket.NewTicket, now time.Time) routing.Decision {
	c := d.rules.Load()
	if c == nil {
		return routing.Decision{Queue: nt.Queue, Priority: nt.Priority}
	}
	return c.Route(inputOf(nt, now), routing.Decision{Queue: nt.Queue, Priority: nt.Priority})
}
