package webhooks

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"frontdesk/internal/words"
	"frontdesk/ticket"
)

// Headers of a delivery.
const (
	// SignatureHeader carries "sha256=" + hex(HMAC-SHA256(secret, body)).
	SignatureHeader = "X-Frontdesk-Signature"
	// DeliveryHeader carries the event's delivery id, TICKET-SEQ: the same
	// on every attempt, for the receiver to keep each event once.
	DeliveryHeader = "X-Frontdesk-Delivery"
	// EventHeader repeats the event's name.
	EventHeader = "X-Frontdesk-Event"
	// AttemptHeader counts the attempts at this event, 1 the first.
	AttemptHeader = "X-Frontdesk-Attempt"
)

// Payload is the JSON body of a delivery.
type Payload struct {
	// ID is the delivery id, as in the X-Frontdesk-Delivery header.
	ID    string    `json:"id"`
	Event string    `json:"event"`
	At    time.Time `json:"at"`
	// By is who did it: a user's name, "routing", "frontdesk", an intake.
	By     string  `json:"by"`
	Ticket Summary `json:"ticket"`
}

// Summary is the ticket as an event shows it: as it was right after the
// change, without its messages and events.
type Summary struct {
	ID               string          `json:"id"`
	URL              string          `json:"url,omitempty"`
	Channel          ticket.Channel  `json:"channel"`
	Status           ticket.Status   `json:"status"`
	Queue            string          `json:"queue"`
	Assignee         string          `json:"assignee"`
	Priority         ticket.Priority `json:"priority"`
	Subject          string          `json:"subject"`
	Customer         Customer        `json:"customer"`
	Tags             []string        `json:"tags"`
	CreatedAt        time.Time       `json:"created_at"`
	UpdatedAt        time.Time       `json:"updated_at"`
	FirstResponseDue *time.Time      `json:"first_response_due,omitempty"`
	FirstResponseAt  *time.Time      `json:"first_response_at,omitempty"`
	MergedInto       string          `json:"merged_into,omitempty"`
}

// Customer is the customer as an event's ticket shows them.
type Customer struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
	Phone string `json:"phone"`
}

// payload builds the body of e. It depends only on the event as recorded,
// so every attempt sends the same bytes.
func (d *Deliverer) payload(e ticket.HookEvent) ([]byte, error) {
	t := e.Ticket
	s := Summary{ID: e.TicketID, Channel: t.Channel, Status: t.Status, Queue: t.Queue, Assignee: t.Assignee,
		Priority: t.Priority, Subject: t.Subject, Tags: t.Tags, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt,
		FirstResponseDue: t.FirstResponseDue, FirstResponseAt: t.FirstResponseAt, MergedInto: t.MergedInto,
		Customer: Customer{ID: t.Customer.ID, Name: t.Customer.Name, Email: t.Customer.Email, Phone: t.Customer.Phone}}
	if s.Tags == nil {
		s.Tags = []string{}
	}
	if d.opts.PublicURL != "" {
		s.URL = strings.TrimSuffix(d.opts.PublicURL, "/") + "/tickets/" + e.TicketID
	}
	return json.Marshal(Payload{ID: e.DeliveryID(), Event: e.Event, At: e.At.UTC(), By: e.By, Ticket: s})
}

// Sign returns the X-Frontdesk-Signature value of body under secret.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Verify reports whether signature (an X-Frontdesk-Signature value) is
// body's under secret, in constant time: what a receiver written in Go does.
func Verify(secret string, body []byte, signature string) bool {
	return hmac.Equal([]byte(Sign(secret, body)), []byte(signature))
}

// maxAnswer is how much of a receiver's answer is read (and discarded).
const maxAnswer = 64 << 10

// send makes one attempt at e to h and says how it went.
func (d *Deliverer) send(ctx context.Context, h *hook, e ticket.HookEvent) ticket.HookOutcome {
	start := time.Now()
	o := d.post(ctx, h, e)
	o.Duration = time.Since(start)
	o.Error = clip(o.Error, maxError)
	return o
}

// maxError bounds the problem an attempt records, in bytes: it comes partly
// from the receiver (its status line, a redirect's Location), and the log
// keeps 200 of them.
const maxError = 300

// clip cuts s to at most max bytes of valid UTF-8, marking the cut.
func clip(s string, max int) string {
	if len(s) <= max {
		return s
	}
	return strings.ToValidUTF8(s[:max], "") + "…"
}

func (d *Deliverer) post(ctx context.Context, h *hook, e ticket.HookEvent) ticket.HookOutcome {
	body, err := d.payload(e)
	if err != nil {
		return ticket.HookOutcome{Error: "could not build the event: " + err.Error()}
	}
	ctx, cancel := context.WithTimeout(ctx, d.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.target.String(), bytes.NewReader(body))
	if err != nil {
		return ticket.HookOutcome{Error: "could not build the request: " + err.Error()}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "frontdesk-webhooks/"+d.opts.Version)
	req.Header.Set(SignatureHeader, Sign(h.Secret, body))
	req.Header.Set(DeliveryHeader, e.DeliveryID())
	req.Header.Set(EventHeader, e.Event)
	req.Header.Set(AttemptHeader, strconv.Itoa(e.Attempt))
	resp, err := h.client.Do(req)
	if err != nil {
		return ticket.HookOutcome{Error: describe(err, d.opts.Timeout)}
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxAnswer)) // lets the connection be reused
	_ = resp.Body.Close()                                            // nothing more to learn from it
	o := ticket.HookOutcome{Status: resp.StatusCode}
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode <= 299:
		o.Delivered = true
	case resp.StatusCode >= 300 && resp.StatusCode <= 399:
		o.Error = fmt.Sprintf("answered %s, a redirect (to %q): redirects are not followed", resp.Status, resp.Header.Get("Location"))
	default:
		o.Error = "answered " + resp.Status
	}
	return o
}

// describe says in a few words why an attempt got no answer.
func describe(err error, timeout time.Duration) string {
	var refused *refusedError
	switch {
	case errors.As(err, &refused):
		return refused.Error()
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return "no answer within " + words.Duration(timeout)
	}
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 && strings.HasPrefix(msg, "Post ") {
		msg = msg[i+2:] // drop "Post URL:": the log says which hook
	}
	return "could not connect: " + msg
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}
