package desk

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"

	"frontdesk/fault"
	"frontdesk/ticket"
)

// Answer is what an assistant writes on a ticket: a reply to the customer or
// a note for colleagues.
type Answer struct {
	Text string
	// By is the user who writes it.
	By string
	// Key makes the answer idempotent: the same key (from the same user on
	// the same ticket) stores one answer, however often it is sent. Empty:
	// a random one.
	Key string
	// Close closes the ticket with the reply; without it a reply sets the
	// ticket pending (waiting for the customer).
	Close bool
}

// maxKey is the longest idempotency key taken.
const maxKey = 200

func (a Answer) check() error {
	if strings.TrimSpace(a.Text) == "" {
		return fmt.Errorf("%w: the text is empty", fault.ErrInvalid)
	}
	if a.By == "" {
		return fmt.Errorf("%w: who writes it is required", fault.ErrInvalid)
	}
	if len(a.Key) > maxKey || strings.ContainsFunc(a.Key, func(c rune) bool { return c <= ' ' || c > '~' }) {
		return fmt.Errorf("%w: an idempotency key must be 1-%d visible ASCII characters", fault.ErrInvalid, maxKey)
	}
	return nil
}

// sourceKey is the answer's source key: scoped to the ticket and the writer,
// so that one client's keys cannot meet another's.
func (a Answer) sourceKey(kind, id string) string {
	if a.Key == "" {
		return kind + ":" + id + ":" + rand.Text()
	}
	return kind + ":" + id + ":" + a.By + ":" + a.Key
}

// Reply answers a ticket's customer on the ticket's channel: it stores the
// outbound message, queued for delivery (a mail through the one outbound-mail
// builder, a text from the number the customer used), then sets the ticket
// pending — closed with a.Close — unless it is so already, and returns the
// stored message. The same a.Key stores one reply; the status step is done
// again only if the ticket is not in the status asked for, which finishes a
// first try that failed between the two steps.
//
// A reply that cannot be delivered is refused before anything is stored
// (fault.ErrConflict, saying why): no address or number, no way to send on
// that channel.
func (d *Desk) Reply(ctx context.Context, id string, a Answer) (ticket.Message, error) {
	if err := a.check(); err != nil {
		return ticket.Message{}, err
	}
	t, err := d.store.Get(ctx, id)
	if err != nil {
		return ticket.Message{}, err
	}
	nm, err := d.replyTo(ctx, t)
	if err != nil {
		return ticket.Message{}, fmt.Errorf("reply to ticket %s: %w", id, err)
	}
	nm.SourceKey = a.sourceKey("reply", t.ID)
	nm.Text = a.Text
	nm.Kind = ticket.KindNormal
	nm.By, nm.Author = a.By, a.By
	rc, err := d.store.AppendMessage(ctx, t.ID, nm)
	if err != nil {
		return ticket.Message{}, err
	}
	d.notifyQueued()
	status := ticket.StatusPending
	if a.Close {
		status = ticket.StatusClosed
	}
	if t.Status != status {
		if err := d.store.SetStatus(ctx, t.ID, status, a.By); err != nil {
			return ticket.Message{}, err
		}
	}
	if err := d.store.Durable(ctx); err != nil {
		return ticket.Message{}, fmt.Errorf("reply to ticket %s: %w", t.ID, err)
	}
	return d.message(ctx, t.ID, rc.MessageID)
}

// Note adds a note to a ticket: a message for colleagues, shown on the
// ticket, never sent to anyone, changing neither status nor SLA. Each user
// it mentions by name (@bob) finds the ticket on their mentions list.
func (d *Desk) Note(ctx context.Context, id string, a Answer) (ticket.Message, error) {
	if err := a.check(); err != nil {
		return ticket.Message{}, err
	}
	mentions, err := d.mentioned(ctx, a.Text)
	if err != nil {
		return ticket.Message{}, fmt.Errorf("add a note to ticket %s: %w", id, err)
	}
	rc, err := d.store.AppendMessage(ctx, id, ticket.NewMessage{
		SourceKey: a.sourceKey("note", id), Direction: ticket.DirectionInternal, Text: a.Text,
		By: a.By, Author: a.By, Mentions: mentions,
	})
	if err != nil {
		return ticket.Message{}, fmt.Errorf("add a note to ticket %s: %w", id, err)
	}
	if err := d.store.Durable(ctx); err != nil {
		return ticket.Message{}, fmt.Errorf("add a note to ticket %s: %w", id, err)
	}
	return d.message(ctx, id, rc.MessageID)
}

// message returns message mid of ticket id as stored.
func (d *Desk) message(ctx context.Context, id, mid string) (ticket.Message, error) {
	t, err := d.store.Get(ctx, id)
	if err != nil {
		return ticket.Message{}, err
	}
	for _, m := range t.Messages {
		if m.ID == mid {
			return m, nil
		}
	}
	return ticket.Message{}, fmt.Errorf("message %s stored on ticket %s but not found on it", mid, id)
}

// ReplyChannel says how a reply to t would go: "mail" or "SMS", and to whom;
// an error (fault.ErrConflict) says why there is no way to reply.
func (d *Desk) ReplyChannel(t *ticket.Ticket) (how, to string, err error) {
	switch t.Channel {
	case ticket.ChannelEmail:
		if t.Customer.Email != "" {
			if d.cfg.SMTP.Host == "" {
				return "", "", fmt.Errorf("%w: frontdesk has no outgoing mail server (smtp.host)", fault.ErrConflict)
			}
			return "mail", t.Customer.Email, nil
		}
	case ticket.ChannelFax:
		// A fax's customer is its sender's number; a fax that came through a
		// mail-to-fax gateway has the gateway's address, which is nobody to
		// answer. Faxes cannot be sent yet: the number gets a text.
		if t.Customer.Phone == "" {
			return "", "", fmt.Errorf("%w: this fax came without the sender's number, and frontdesk cannot send faxes yet; call or write the sender yourself", fault.ErrConflict)
		}
		if d.cfg.Twilio.AccountSID == "" {
			return "", "", fmt.Errorf("%w: frontdesk cannot send faxes yet, and without Twilio it cannot text %s either; call the sender yourself", fault.ErrConflict, t.Customer.Phone)
		}
		return "SMS", t.Customer.Phone, nil
	}
	if t.Customer.Phone != "" {
		if d.cfg.Twilio.AccountSID == "" {
			return "", "", fmt.Errorf("%w: frontdesk cannot send texts without Twilio (twilio.account_sid)", fault.ErrConflict)
		}
		return "SMS", t.Customer.Phone, nil
	}
	if t.Customer.Email != "" && d.cfg.SMTP.Host != "" {
		return "mail", t.Customer.Email, nil
	}
	return "", "", fmt.Errorf("%w: the customer left no address or number to reply to", fault.ErrConflict)
}

// replyTo is the outbound message answering t, without its text: a mail
// through the outbound-mail builder, threaded to the last inbound mail, or a
// text from the number the customer called or texted.
func (d *Desk) replyTo(ctx context.Context, t *ticket.Ticket) (ticket.NewMessage, error) {
	how, to, err := d.ReplyChannel(t)
	if err != nil {
		return ticket.NewMessage{}, err
	}
	if how == "SMS" {
		return ticket.NewMessage{Direction: ticket.DirectionOut, Channel: ticket.ChannelSMS, Kind: ticket.KindNormal,
			From: d.ourNumber(t), To: []string{to}, Subject: replySubject(t.Subject, t.ID), Delivery: ticket.DeliveryQueued}, nil
	}
	h := mailHead{TicketID: t.ID, Queue: t.Queue, Mailbox: t.Mailbox, Subject: t.Subject}
	for _, m := range t.Messages { // the last inbound mail with a Message-ID
		if m.Direction == ticket.DirectionIn && m.MessageID != "" {
			h.Answering, h.References = m.MessageID, m.References
		}
	}
	nm, err := d.outboundMail(ctx, h)
	if err != nil {
		return ticket.NewMessage{}, err
	}
	nm.To = []string{to}
	return nm, nil
}

// ourNumber is the number a text to t's customer goes out from: the one they
// called or texted, else the first configured one.
func (d *Desk) ourNumber(t *ticket.Ticket) string {
	for _, m := range t.Messages {
		if m.Direction == ticket.DirectionIn && len(m.To) > 0 && strings.HasPrefix(m.To[0], "+") {
			return m.To[0]
		}
	}
	if len(d.cfg.Twilio.Numbers) > 0 {
		return d.cfg.Twilio.Numbers[0].Number
	}
	return ""
}
