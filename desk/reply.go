package desk

import (
	"context"
	"crypto/rand"
	"errors"
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

	// The rest is for replies only.

	// Cc and Bcc are copies of a reply by mail, each address bare or named.
	// Bcc recipients get the mail but are never written in it; the stored
	// reply lists them for the desk's users.
	Cc, Bcc []string
	// Attachments are files sent with a reply by mail (checkFiles), or
	// the one PDF a fax is (fax.go).
	Attachments []ticket.NewAttachment
	// FaxTo, when set, faxes the reply's PDF to this number (any common
	// format) instead of answering on the ticket's channel (fax.go).
	FaxTo string
	// Canned names a canned reply whose text, filled in for the ticket and
	// the writer, is the reply's; Text must then be empty.
	Canned string
	// Force sends the reply even when someone else holds the ticket, or it
	// changed hands since Seen.
	Force bool
	// Seen, when set, is who held the ticket when the writer began ("" for
	// nobody): a reply to a ticket that changed hands since is refused
	// unless forced, so that two people do not answer one customer.
	Seen *string
	// Invite, when set, makes a reply by mail an invitation to an
	// appointment (invite.go).
	Invite *Invite
}

// maxKey is the longest idempotency key taken.
const maxKey = 200

func (a Answer) check() error {
	if strings.TrimSpace(a.Text) == "" {
		return fmt.Errorf("%w: the text is empty", fault.ErrInvalid)
	}
	return a.checkWriter()
}

func (a Answer) checkWriter() error {
	if a.By == "" {
		return fmt.Errorf("%w: who writes it is required", fault.ErrInvalid)
	}
	if len(a.Key) > maxKey || strings.ContainsFunc(a.Key, func(c rune) bool { return c <= ' ' || c > '~' }) {
		return fmt.Errorf("%w: an idempotency key must be 1-%d visible ASCII characters", fault.ErrInvalid, maxKey)
	}
	return nil
}

// checkReply checks a reply's text: its own, or a canned reply's, not both.
func (a Answer) checkReply() error {
	switch {
	case strings.TrimSpace(a.Canned) != "" && strings.TrimSpace(a.Text) != "":
		return fmt.Errorf("%w: give either text or canned, not both (a canned reply is the whole text)", fault.ErrInvalid)
	case strings.TrimSpace(a.Canned) != "":
		return a.checkWriter()
	case strings.TrimSpace(a.Text) == "" && len(a.Attachments) > 0:
		return a.checkWriter() // a fax may be its PDF alone; withCopies asks others for words
	}
	return a.check()
}

// HeldError refuses a reply to a ticket someone else holds, or one that
// changed hands since the writer began. It is a fault.ErrConflict (409).
type HeldError struct {
	TicketID string
	// Holder holds the ticket now; "" when nobody does.
	Holder string
	// Changed is whether the ticket changed hands since the writer began;
	// Seen is who held it then.
	Changed bool
	Seen    string
}

func (e *HeldError) Error() string {
	now := "nobody holds it now"
	if e.Holder != "" {
		now = "it is held by " + e.Holder
	}
	if !e.Changed {
		return "ticket " + e.TicketID + " is held by " + e.Holder
	}
	return "ticket " + e.TicketID + " changed hands since you opened it: " + now
}

// Unwrap makes the error a fault.ErrConflict.
func (e *HeldError) Unwrap() error { return fault.ErrConflict }

// held refuses a reply by a.By to t, which someone else holds or which
// changed hands since a.Seen, unless a.Force.
func held(t *ticket.Ticket, a Answer) error {
	if a.Force || t.Assignee == a.By {
		return nil
	}
	changed := a.Seen != nil && *a.Seen != t.Assignee
	if t.Assignee == "" && !changed {
		return nil
	}
	e := &HeldError{TicketID: t.ID, Holder: t.Assignee, Changed: changed}
	if a.Seen != nil {
		e.Seen = *a.Seen
	}
	return e
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
// builder, with its copies and files, a text from the number the customer
// used, or a fax of one PDF: fax.go), takes the ticket when nobody holds
// it, then sets it pending — closed with a.Close — unless it is so already,
// and returns the stored message. The same a.Key stores one reply; the later steps are done again
// only where they are not done yet, which finishes a first try that failed
// between them.
//
// Refused before anything is stored: a reply by someone who does not hold the
// ticket, or to a ticket that changed hands since a.Seen, unless a.Force
// (*HeldError, fault.ErrConflict); one that cannot be delivered — no address
// or number, no way to send on that channel (fault.ErrConflict, saying why);
// copies or files on a reply by text, bad addresses, files refused or too
// large (fault.ErrInvalid or fault.ErrTooLarge, naming the field).
func (d *Desk) Reply(ctx context.Context, id string, a Answer) (ticket.Message, error) {
	if err := a.checkReply(); err != nil {
		return ticket.Message{}, err
	}
	t, err := d.store.Get(ctx, id)
	if err != nil {
		return ticket.Message{}, err
	}
	src := a.sourceKey("reply", t.ID)
	if a.Key != "" { // a retry finishes its reply, whoever holds the ticket now
		rc, err := d.store.FindSource(ctx, src)
		switch {
		case err == nil && rc.TicketID == t.ID:
			return d.finishReply(ctx, t, a, rc.MessageID)
		case err != nil && !errors.Is(err, fault.ErrNotFound):
			return ticket.Message{}, fmt.Errorf("reply to ticket %s: %w", id, err)
		}
	}
	if err := held(t, a); err != nil {
		return ticket.Message{}, err
	}
	text := a.Text
	if strings.TrimSpace(a.Canned) != "" {
		if text, err = d.cannedText(ctx, t, a.Canned, a.By); err != nil {
			return ticket.Message{}, err
		}
		if strings.TrimSpace(text) == "" {
			return ticket.Message{}, fmt.Errorf("%w: canned reply %q filled in for this ticket is empty", fault.ErrInvalid, a.Canned)
		}
	}
	nm, err := d.replyTo(ctx, t, a.FaxTo)
	if err != nil {
		return ticket.Message{}, fmt.Errorf("reply to ticket %s: %w", id, err)
	}
	if err := d.withCopies(&nm, t, a); err != nil {
		return ticket.Message{}, err
	}
	if text, err = d.withFeedback(ctx, t, text, a.Close); err != nil {
		return ticket.Message{}, fmt.Errorf("reply to ticket %s: %w", id, err)
	}
	nm.SourceKey = src
	if err := d.withInvite(&nm, t, a); err != nil {
		return ticket.Message{}, err
	}
	nm.Text = text
	nm.Kind = ticket.KindNormal
	nm.By, nm.Author = a.By, a.By
	if t.FirstResponseAt == nil { // only a first response is timed (append.lua)
		age := d.businessAge(t, d.now())
		nm.BusinessAge = &age
	}
	rc, err := d.store.AppendMessage(ctx, t.ID, nm)
	if err != nil {
		return ticket.Message{}, err
	}
	d.notifyQueued()
	return d.finishReply(ctx, t, a, rc.MessageID)
}

// finishReply does what follows a stored reply mid on t, where it is not
// done yet: the writer takes the ticket when nobody holds it (and it is not
// closed), and it becomes pending, or closed with a.Close. It returns the
// reply as stored, once durable.
func (d *Desk) finishReply(ctx context.Context, t *ticket.Ticket, a Answer, mid string) (ticket.Message, error) {
	status := ticket.StatusPending
	if a.Close {
		status = ticket.StatusClosed
	}
	now := t.Status
	if t.Assignee == "" && t.Status != ticket.StatusClosed {
		if err := d.store.Assign(ctx, t.ID, a.By, a.By); err != nil {
			return ticket.Message{}, fmt.Errorf("reply to ticket %s: take it: %w", t.ID, err)
		}
		if now == ticket.StatusNew {
			now = ticket.StatusOpen
		}
	}
	if now != status {
		if err := d.store.SetStatus(ctx, t.ID, status, a.By); err != nil {
			return ticket.Message{}, err
		}
	}
	if err := d.store.Durable(ctx); err != nil {
		return ticket.Message{}, fmt.Errorf("reply to ticket %s: %w", t.ID, err)
	}
	return d.message(ctx, t.ID, mid)
}

// withCopies puts a's copies (Cc, Bcc) and files on the reply nm to t's
// customer. A text carries neither: asked for, they are fault.ErrInvalid
// saying so.
func (d *Desk) withCopies(nm *ticket.NewMessage, t *ticket.Ticket, a Answer) error {
	if nm.Channel == ticket.ChannelFax {
		return d.withFax(nm, a)
	}
	if strings.TrimSpace(a.Text) == "" && strings.TrimSpace(a.Canned) == "" {
		return fmt.Errorf("%w: the text is empty", fault.ErrInvalid)
	}
	if nm.Channel != ticket.ChannelEmail {
		to := strings.Join(nm.To, ", ")
		switch {
		case len(a.Cc)+len(a.Bcc) > 0:
			return fmt.Errorf("%w: cc, bcc: this reply goes to %s by text message, which has no copies; forward the message to send it to someone else", fault.ErrInvalid, to)
		case len(a.Attachments) > 0 && t.Channel == ticket.ChannelFax:
			return fmt.Errorf("%w: attachments: frontdesk cannot send faxes (fax.outbound is not set up), and this reply goes to %s by text message, which carries no files", fault.ErrInvalid, to)
		case len(a.Attachments) > 0:
			return fmt.Errorf("%w: attachments: this reply goes to %s by text message, which carries no files (MMS is not supported)", fault.ErrInvalid, to)
		}
		return nil
	}
	lists, err := d.recipients(nm.To, namedList{"cc", a.Cc}, namedList{"bcc", a.Bcc})
	if err != nil {
		return err
	}
	files, err := d.checkFiles(a.Attachments)
	if err != nil {
		return err
	}
	nm.Cc, nm.Bcc, nm.Attachments = lists[0], lists[1], files
	if len(nm.Bcc) == 0 {
		nm.Bcc = nil
	}
	return nil
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

// ReplyChannel says how a reply to t would go: "mail", "SMS" or "fax", and to whom;
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
		return d.faxChannel(t)
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
// through the outbound-mail builder, threaded to the last inbound mail, a
// text from the number the customer called or texted, or a fax (to faxTo
// when it is set).
func (d *Desk) replyTo(ctx context.Context, t *ticket.Ticket, faxTo string) (ticket.NewMessage, error) {
	if faxTo != "" {
		return d.faxTo(ctx, t, faxTo)
	}
	how, to, err := d.ReplyChannel(t)
	if err != nil {
		return ticket.NewMessage{}, err
	}
	if how == "fax" {
		return d.faxReply(ctx, t, to)
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
