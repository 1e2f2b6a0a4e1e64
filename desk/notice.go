package desk

import (
	"context"
	"fmt"

	"frontdesk/fault"
	"frontdesk/ticket"
)

// NoticeTag marks the tickets that record the desk's notices to its own
// people.
const NoticeTag = "frontdesk-notice"

// Notice is a mail the desk sends its own people, not a customer: trouble
// only a person can fix, such as a mailbox whose sign-in was revoked.
type Notice struct {
	// Key makes the notice once: a notice with a key sent before is not
	// sent again (a retry, or a second instance noticing the same thing).
	Key string
	// To are the addresses it goes to (notify.managers).
	To            []string
	Subject, Text string
	// Queue and Mailbox decide where the notice is filed and the address
	// it is sent from, as for a reply: the queue's address, else the
	// mailbox's, else smtp.from.
	Queue, Mailbox string
}

// Notify sends a notice through the outbox, like every outbound mail, and
// keeps a record of it: a closed ticket of its own, tagged NoticeTag, whose
// first message is the notice and whose second the mail, with its delivery.
// A reply to the mail reopens that ticket. It returns the ticket's id.
func (d *Desk) Notify(ctx context.Context, n Notice) (string, error) {
	if n.Key == "" || len(n.To) == 0 || n.Subject == "" {
		return "", fmt.Errorf("notice: a key, recipients and a subject are required: %w", fault.ErrInvalid)
	}
	r, err := d.store.Create(ctx, ticket.NewTicket{
		Channel: ticket.ChannelEmail, Queue: n.Queue, Subject: n.Subject, Mailbox: n.Mailbox,
		Tags: []string{NoticeTag}, Closed: true,
		Message: ticket.NewMessage{SourceKey: "notice:" + n.Key, Channel: ticket.ChannelEmail, From: "frontdesk",
			To: n.To, Subject: n.Subject, Text: n.Text, By: "frontdesk"},
	})
	if err != nil {
		return "", fmt.Errorf("file notice %s: %w", n.Key, err)
	}
	nm, err := d.outboundMail(ctx, mailHead{TicketID: r.TicketID, Queue: n.Queue, Mailbox: n.Mailbox})
	if err != nil {
		return r.TicketID, err
	}
	nm.SourceKey = "notice:" + n.Key + ":mail"
	nm.Subject = n.Subject + " [#" + r.TicketID + "]"
	nm.To = n.To
	nm.Text = n.Text
	nm.Meta = map[string]string{"notice": "1"}
	nm.By = "frontdesk"
	if _, err := d.store.AppendMessage(ctx, r.TicketID, nm); err != nil {
		return r.TicketID, fmt.Errorf("queue notice %s: %w", n.Key, err)
	}
	d.notifyQueued()
	return r.TicketID, nil
}
