package desk

import (
	"context"
	"fmt"
	"net/mail"
	"strings"

	"frontdesk/fault"
	"frontdesk/ticket"
)

// MaxIdempotencyKey is the longest key that makes a reply request
// idempotent: the API's Idempotency-Key header, the UI form's reply_key.
const MaxIdempotencyKey = 200

// QueueReply stores a reply by by to ticket id under sourceKey (a second call
// with the same key stores nothing new), then sets the ticket pending, or
// closed when closeIt, unless it is so already; it returns the stored
// message. The API and the UI's reply form both answer through it.
func (d *Desk) QueueReply(ctx context.Context, id, sourceKey, text, by string, closeIt bool) (ticket.Message, error) {
	t, err := d.Tickets.Get(ctx, id)
	if err != nil {
		return ticket.Message{}, err
	}
	nm, err := d.replyMessage(ctx, t, sourceKey, text, by)
	if err != nil {
		return ticket.Message{}, err
	}
	rc, err := d.Tickets.AppendMessage(ctx, t.ID, nm)
	if err != nil {
		return ticket.Message{}, err
	}
	status := ticket.StatusPending
	if closeIt {
		status = ticket.StatusClosed
	}
	if t.Status != status {
		if err := d.Tickets.SetStatus(ctx, t.ID, status, by); err != nil {
			return ticket.Message{}, err
		}
	}
	t, err = d.Tickets.Get(ctx, t.ID)
	if err != nil {
		return ticket.Message{}, err
	}
	for _, m := range t.Messages {
		if m.ID == rc.MessageID {
			return m, nil
		}
	}
	return ticket.Message{}, fmt.Errorf("reply %s stored on ticket %s but not found on it", rc.MessageID, t.ID)
}

// replyMessage builds the outbound message answering ticket t: to the
// customer on the ticket's channel, from the queue's address, with the
// ticket's tag in the subject and, for mail, the threading headers of RFC
// 5322 §3.6.4 and a signed Message-ID that threads the customer's answer back.
func (d *Desk) replyMessage(ctx context.Context, t *ticket.Ticket, sourceKey, text, by string) (ticket.NewMessage, error) {
	to := ReplyAddress(t)
	if to == "" {
		return ticket.NewMessage{}, fmt.Errorf("reply to ticket %s: %w: the customer has no address or number to reply to", t.ID, fault.ErrConflict)
	}
	nm := ticket.NewMessage{
		SourceKey: sourceKey,
		Direction: ticket.DirectionOut,
		Channel:   t.Channel,
		Kind:      ticket.KindNormal,
		From:      d.QueueAddress(t.Queue),
		To:        []string{to},
		Subject:   replySubject(t.Subject, t.ID),
		Text:      text,
		Delivery:  ticket.DeliveryQueued,
		By:        by,
	}
	if t.Channel != ticket.ChannelEmail {
		return nm, nil
	}
	for _, m := range t.Messages { // the last inbound mail with a Message-ID
		if m.Direction == ticket.DirectionIn && m.MessageID != "" {
			nm.InReplyTo = m.MessageID
			nm.References = append(append([]string{}, m.References...), m.MessageID)
		}
	}
	if host := addressHost(nm.From); host != "" {
		key, err := d.Tickets.Secret(ctx)
		if err != nil {
			return ticket.NewMessage{}, err
		}
		nm.MessageID = ticket.MessageIDSigner{Key: key}.New(t.ID, host)
	}
	return nm, nil
}

// ReplyAddress is where a reply to t goes: the customer's email for mail and
// fax tickets, their number for calls and texts, else whichever they have.
func ReplyAddress(t *ticket.Ticket) string {
	c := t.Customer
	switch t.Channel {
	case ticket.ChannelVoice, ticket.ChannelSMS:
		if c.Phone != "" {
			return c.Phone
		}
		return c.Email
	default:
		if c.Email != "" {
			return c.Email
		}
		return c.Phone
	}
}

// replySubject is "Re: SUBJECT [#ID]", without a second "Re:" or tag.
func replySubject(subject, id string) string {
	subject = strings.TrimSpace(subject)
	if len(subject) < 3 || !strings.EqualFold(subject[:3], "re:") {
		subject = strings.TrimSpace("Re: " + subject)
	}
	if tag := "[#" + id + "]"; !strings.Contains(subject, tag) {
		subject += " " + tag
	}
	return subject
}

// addressHost returns the domain of a mail address ("Support
// <support@example.com>" or bare), "" when it has none.
func addressHost(addr string) string {
	if addr == "" {
		return ""
	}
	a, err := mail.ParseAddress(addr)
	if err != nil {
		return ""
	}
	_, host, _ := strings.Cut(a.Address, "@")
	return host
}
