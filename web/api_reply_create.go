package web

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/http"
	"net/mail"
	"strings"

	"frontdesk/fault"
	"frontdesk/ticket"
	"frontdesk/web/auth"
	"frontdesk/web/httperr"
)

type replyRequest struct {
	Text  string `json:"text"`
	Close bool   `json:"close"`
}

// maxIdempotencyKey is the longest Idempotency-Key header taken.
const maxIdempotencyKey = 200

// handleReplyCreate queues a reply to the customer on the ticket's channel:
// it stores an outbound message with delivery "queued", then sets the ticket
// pending (closed when the request says close), and answers 202 with the
// stored message. Sending it is the responders' work, which arrives with them:
// until then a reply stays queued.
//
// A request with an Idempotency-Key header stores its reply once: a client
// that retries with the same key (the same caller, the same ticket) gets the
// first reply back, and the status step is done again only if the ticket's
// status is not the one asked for, which finishes a first try that failed
// between the two steps.
func (s *Server) handleReplyCreate(w http.ResponseWriter, r *http.Request) {
	var in replyRequest
	if err := decodeJSON(w, r, &in); err != nil {
		httperr.Write(w, r, s.logger, err)
		return
	}
	if strings.TrimSpace(in.Text) == "" {
		httperr.Write(w, r, s.logger, fmt.Errorf("%w: text is empty", fault.ErrInvalid))
		return
	}
	me := auth.Caller(r)
	key, err := replySourceKey(r, me.Name)
	if err != nil {
		httperr.Write(w, r, s.logger, err)
		return
	}
	m, err := s.queueReply(r.Context(), r.PathValue("id"), key, in.Text, me.Name, in.Close)
	if err != nil {
		httperr.Write(w, r, s.logger, err)
		return
	}
	writeJSON(w, http.StatusAccepted, apiMessage(m))
}

// queueReply stores a reply by by to ticket id under sourceKey (a second call
// with the same key stores nothing new), then sets the ticket pending, or
// closed when closeIt, unless it is so already; it returns the stored
// message. The API and the UI's reply form both answer through it.
func (s *Server) queueReply(ctx context.Context, id, sourceKey, text, by string, closeIt bool) (ticket.Message, error) {
	t, err := s.tickets.Get(ctx, id)
	if err != nil {
		return ticket.Message{}, err
	}
	nm, err := s.replyMessage(ctx, t, sourceKey, text, by)
	if err != nil {
		return ticket.Message{}, err
	}
	rc, err := s.tickets.AppendMessage(ctx, t.ID, nm)
	if err != nil {
		return ticket.Message{}, err
	}
	status := ticket.StatusPending
	if closeIt {
		status = ticket.StatusClosed
	}
	if t.Status != status {
		if err := s.tickets.SetStatus(ctx, t.ID, status, by); err != nil {
			return ticket.Message{}, err
		}
	}
	t, err = s.tickets.Get(ctx, t.ID)
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

// replySourceKey is the reply's source key: from the Idempotency-Key header
// when the client sent one, scoped to the ticket and caller so that one
// client's keys cannot meet another's, else random.
func replySourceKey(r *http.Request, by string) (string, error) {
	id := r.PathValue("id")
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		return "reply:" + id + ":" + rand.Text(), nil
	}
	if len(key) > maxIdempotencyKey || strings.IndexFunc(key, func(c rune) bool { return c <= ' ' || c > '~' }) >= 0 {
		return "", fmt.Errorf("%w: Idempotency-Key must be 1-%d visible ASCII characters", fault.ErrInvalid, maxIdempotencyKey)
	}
	return "reply:" + id + ":" + by + ":" + key, nil
}

// replyMessage builds the outbound message answering ticket t: to the
// customer on the ticket's channel, from the queue's address, with the
// ticket's tag in the subject and, for mail, the threading headers of RFC
// 5322 §3.6.4 and a signed Message-ID that threads the customer's answer back.
func (s *Server) replyMessage(ctx context.Context, t *ticket.Ticket, sourceKey, text, by string) (ticket.NewMessage, error) {
	to := replyAddress(t)
	if to == "" {
		return ticket.NewMessage{}, fmt.Errorf("reply to ticket %s: %w: the customer has no address or number to reply to", t.ID, fault.ErrConflict)
	}
	nm := ticket.NewMessage{
		SourceKey: sourceKey,
		Direction: ticket.DirectionOut,
		Channel:   t.Channel,
		Kind:      ticket.KindNormal,
		From:      s.queueAddress(t.Queue),
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
		key, err := s.tickets.Secret(ctx)
		if err != nil {
			return ticket.NewMessage{}, err
		}
		nm.MessageID = ticket.MessageIDSigner{Key: key}.New(t.ID, host)
	}
	return nm, nil
}

// replyAddress is where a reply to t goes: the customer's email for mail and
// fax tickets, their number for calls and texts, else whichever they have.
func replyAddress(t *ticket.Ticket) string {
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
