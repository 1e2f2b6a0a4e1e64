// Package responders delivers what frontdesk says to customers — assistants'
// replies and the desk's acknowledgements — by mail over SMTP, by text
// through Twilio and by fax (fax.go), once each, threaded into the
// customer's own conversation.
//
// Every outbound message waits in the desk's outbox as its own entry: state,
// attempts, next try, and the lease of the worker holding it (package desk,
// Desk.NextOutgoing). Each instance runs a few workers; a worker takes the
// message due first, renders it (package responders/mail) and hands it over.
//
// At most once: right before the mail is handed to the server — once the SMTP
// connection is ready for it, not before a dial that may fail nor while other
// deliveries hold the connection — the worker marks it sending (Desk.Sending,
// a compare-and-set on its hold: of two workers holding it, only one wins).
// From then on it is never sent again by itself: the server's acceptance
// makes it sent, a 5xx failed, a temporary failure puts it back for a later
// try (Desk.Retry), and a worker that dies in between leaves it unknown, for
// a person to check. A connection lost after the whole mail, its final dot
// included, was written but before the server answered is unknown too, not
// temporary: sending it again could deliver it twice (RFC 5321 §6.1 tells
// servers to accept that risk; a helpdesk's reply to a customer is better
// shown to a person, who can send it again).
//
// On shutdown (Run's context ends) workers take nothing new and hand nothing
// new over; a transaction in flight gets Grace to finish.
//
// Mail asks the server for delivery status notifications (smtp.delivery_reports,
// RFC 3461): a success report marks the message delivered, a failure failed,
// also one left unknown (package intake/email).
package responders

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"frontdesk/desk"
	"frontdesk/fault"
	"frontdesk/internal/promreg"
	"frontdesk/responders/fax"
	outmail "frontdesk/responders/mail"
	"frontdesk/responders/sms"
	"frontdesk/ticket"
)

// SMSSender sends a text (package responders/sms); a refusal that trying
// again will not change is an error for which Permanent is true.
type SMSSender interface {
	Send(ctx context.Context, from, to, body string) (sid string, err error)
}

// MailSender hands a mail to the SMTP server (package responders/mail): it
// calls before once the connection is ready, as the last step before the mail
// goes out, and sends nothing when before fails.
type MailSender interface {
	SendWith(ctx context.Context, from string, rcpt []string, raw []byte, before func() error) error
}

// StatusSMSSender is an SMSSender that can ask for status callbacks
// (package responders/sms's Sender).
type StatusSMSSender interface {
	SendWithStatus(ctx context.Context, from, to, body, statusCallback string) (string, error)
}

// EnvelopeSender is a MailSender that can ask for delivery status
// notifications (package responders/mail's Sender).
type EnvelopeSender interface {
	SendEnvelope(ctx context.Context, env outmail.Envelope, raw []byte, before func() error) error
}

// Grace is how long a transaction in flight at shutdown may go on: long
// enough for a slow server to answer the final dot, short enough for a
// container's stop timeout (Kubernetes waits 30 s by default before
// SIGKILL; the rest of the shutdown is quick).
const Grace = 25 * time.Second

// errStopping: the instance is shutting down; the message stays queued for
// another instance or the next start.
var errStopping = errors.New("frontdesk is shutting down; not handed over")

// stoppingKey carries, in a delivery's context, the context whose end means
// shutdown (Run's), while the delivery's own context runs on for Grace.
type stoppingKey struct{}

// Lease is how long a worker's hold on an outbound message lasts unless it
// renews it, which it does while it works on it (Desk.Hold): a crashed
// worker's messages are taken over within a minute.
const Lease = time.Minute

// maxSend bounds one delivery, waiting for the shared SMTP connection
// included; the sender's own timeouts end a stuck transaction sooner.
const maxSend = 10 * time.Minute

// Responder delivers the outbox.
type Responder struct {
	// DKIM, when set, signs every mail before it is sent.
	DKIM *outmail.DKIM
	// SMS, when set, sends texts (replies on sms and voice tickets).
	SMS SMSSender
	// Mail, when set, sends mail; SMTPHost names its server in records.
	Mail     MailSender
	SMTPHost string
	// Fax, when set, sends faxes through a Faxes API; FaxGateway, when
	// set instead, is the mail-to-fax gateway's address pattern
	// (fax.outbound.email_gateway): faxes go by mail through Mail (fax.go).
	Fax        *fax.Service
	FaxGateway string
	// SMSStatus, when set, is the status callback URL of a text (sms.Status
	// CallbackURL): Twilio reports delivered or failed there.
	SMSStatus func(ticketID, messageID string) string
	// Notify is what delivery reports mail asks for (smtp.delivery_reports
	// as outmail.Envelope.Notify); nil asks for none.
	Notify []string
	// Grace bounds a send in flight at shutdown; zero means Grace.
	Grace time.Duration

	desk   *desk.Desk
	logger *slog.Logger
	// Poll is how often idle workers look at the outbox (other instances'
	// messages; this instance's own wake them at once). Default 500ms.
	Poll time.Duration

	wake chan struct{}

	results *prometheus.CounterVec
	// unknownChecked are the unknown texts Twilio did not have
	// (sms_unknown.go).
	unknownChecked unknownChecked
}

// New returns a Responder delivering the outbox of d, its metrics registered
// on reg (nil: not registered).
func New(d *desk.Desk, logger *slog.Logger, reg prometheus.Registerer) *Responder {
	if logger == nil {
		logger = slog.Default()
	}
	r := &Responder{desk: d, logger: logger, Poll: 500 * time.Millisecond, wake: make(chan struct{}, 1)}
	r.results = promreg.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "frontdesk_outbound_total",
		Help: "Tries to deliver outbound messages, by channel (mail, sms, fax) and result: sent, failed (for good), unknown (cut off after the whole message was handed over), retried (a temporary failure), taken_over (another worker holds it).",
	}, []string{"channel", "result"}))
	d.OnQueued(r.Wake)
	return r
}

// Wake makes an idle worker look at the outbox now.
func (r *Responder) Wake() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Run works the outbox with n workers until ctx ends, and returns when they
// all have: a send in flight then has up to Grace to finish, and none
// begins.
func (r *Responder) Run(ctx context.Context, n int) {
	grace := r.Grace
	if grace <= 0 {
		grace = Grace
	}
	// Deliveries run on a context that outlives ctx by grace.
	dctx, cancel := context.WithCancel(context.WithValue(context.WithoutCancel(ctx), stoppingKey{}, ctx))
	defer cancel()
	stop := context.AfterFunc(ctx, func() { time.AfterFunc(grace, cancel) })
	defer stop()
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() { r.work(ctx, dctx) })
	}
	wg.Go(func() { r.checkUnknownTexts(ctx) })
	wg.Wait()
}

// stopping reports whether the instance is shutting down: the context Run
// was given ended.
func stopping(ctx context.Context) bool {
	s, ok := ctx.Value(stoppingKey{}).(context.Context)
	return ok && s.Err() != nil
}

// work delivers one message after another, each on dctx; when none is due
// it waits for a wake-up or the next poll, and while Redis is away it backs
// off. It stops when ctx ends.
func (r *Responder) work(ctx, dctx context.Context) {
	down := time.Duration(0)
	for ctx.Err() == nil {
		o, err := r.desk.NextOutgoing(ctx, Lease)
		switch {
		case err == nil:
			down = 0
			r.Deliver(dctx, o)
			continue
		case errors.Is(err, fault.ErrNotFound):
			down = 0
			r.idle(ctx, r.Poll)
		case errors.Is(err, context.Canceled):
			return
		default:
			if down == 0 {
				r.logger.Warn("outbox unavailable; delivery waits", slog.Any("error", err))
			}
			down = min(max(2*down, r.Poll), 10*time.Second)
			r.idle(ctx, down)
		}
	}
}

func (r *Responder) idle(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-r.wake:
	case <-t.C:
	}
}

// Deliver sends one outbound message a worker holds and records what became
// of it, renewing the worker's hold on it meanwhile.
func (r *Responder) Deliver(ctx context.Context, o *desk.Outgoing) {
	ctx, cancel := context.WithTimeout(ctx, maxSend)
	held := make(chan struct{})
	go func() { defer close(held); r.desk.Hold(ctx, o, Lease) }()
	defer func() { cancel(); <-held }()
	m := &o.Message
	var err error
	switch {
	case m.Delivery != ticket.DeliveryQueued:
		return // settled meanwhile (a bounce, a person)
	case isFax(m):
		err = r.sendFax(ctx, o)
	case m.Channel == ticket.ChannelSMS || (!hasEmail(m.To) && len(m.To) > 0 && strings.HasPrefix(m.To[0], "+")):
		err = r.sendSMS(ctx, o)
	default:
		err = r.sendMail(ctx, o)
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		r.logger.Warn("delivery", slog.String("ticket", o.TicketID), slog.Any("error", err))
	}
}

// sendMail renders and sends a mail, marking it sending once the SMTP
// connection is ready for it.
func (r *Responder) sendMail(ctx context.Context, o *desk.Outgoing) error {
	if r.Mail == nil {
		return r.desk.Failed(ctx, o, "frontdesk has no outgoing mail server (smtp.host)")
	}
	files, err := r.files(ctx, o)
	if fault.IsUnavailable(err) {
		if _, rerr := r.desk.Retry(ctx, o, err.Error()); rerr != nil && !errors.Is(rerr, fault.ErrConflict) {
			return rerr
		}
		return err
	}
	if err != nil {
		return r.desk.Failed(ctx, o, err.Error())
	}
	raw, from, rcpt, err := r.render(&o.Message, files)
	if err != nil {
		return r.desk.Failed(ctx, o, err.Error())
	}
	return r.hand(ctx, o, "mail", "SMTP "+r.SMTPHost, func(sending func() error) (string, error) {
		if es, ok := r.Mail.(EnvelopeSender); ok {
			env := outmail.Envelope{From: from, Rcpt: rcpt, ID: EnvelopeID(&o.Message), Notify: r.Notify}
			return "accepted by " + r.SMTPHost, es.SendEnvelope(ctx, env, raw, sending)
		}
		return "accepted by " + r.SMTPHost, r.Mail.SendWith(ctx, from, rcpt, raw, sending)
	})
}

// sendSMS texts a message from the number it names (the desk chose the one
// the customer called or texted).
func (r *Responder) sendSMS(ctx context.Context, o *desk.Outgoing) error {
	m := &o.Message
	if r.SMS == nil {
		return r.desk.Failed(ctx, o, "frontdesk cannot send texts: configure twilio")
	}
	if len(m.To) == 0 || m.From == "" {
		return r.desk.Failed(ctx, o, "no phone number to text from or to")
	}
	if done, err := r.earlierText(ctx, o); done || err != nil {
		return err
	}
	return r.hand(ctx, o, "sms", "Twilio", func(sending func() error) (string, error) {
		if err := sending(); err != nil {
			return "", err
		}
		if ss, ok := r.SMS.(StatusSMSSender); ok && r.SMSStatus != nil {
			sid, err := ss.SendWithStatus(ctx, m.From, m.To[0], m.Text, r.SMSStatus(o.TicketID, o.MessageID))
			if err == nil {
				r.claimSent(ctx, o, sid)
			}
			return "accepted by Twilio as " + sid, err
		}
		sid, err := r.SMS.Send(ctx, m.From, m.To[0], m.Text)
		if err == nil {
			r.claimSent(ctx, o, sid)
		}
		return "accepted by Twilio as " + sid, err
	})
}

// hand hands a message over with send, which calls sending at the last
// moment before it does and says, when the message was accepted, what to
// record. A send that fails before sending leaves the message queued for a
// later try; after it, a permanent failure marks the message failed with the
// server's word and a temporary one puts it back for a later try.
func (r *Responder) hand(ctx context.Context, o *desk.Outgoing, channel, via string, send func(sending func() error) (string, error)) error {
	marked := false
	accepted, err := send(func() error {
		if stopping(ctx) {
			return errStopping
		}
		if err := r.desk.Sending(ctx, o, via); err != nil {
			return err
		}
		marked = true
		return nil
	})
	switch {
	case !marked && errors.Is(err, fault.ErrConflict):
		r.results.WithLabelValues(channel, "taken_over").Inc()
		return nil // another worker holds it, or it was settled
	case !marked && err == nil:
		return fmt.Errorf("send %s: handed over without being marked sending", o.MessageID)
	case err == nil:
		r.results.WithLabelValues(channel, "sent").Inc()
		return r.desk.Sent(ctx, o, accepted)
	case marked && isPermanent(err):
		r.results.WithLabelValues(channel, "failed").Inc()
		return r.desk.Failed(ctx, o, err.Error())
	case marked && isAmbiguous(err):
		r.results.WithLabelValues(channel, "unknown").Inc()
		return r.desk.Unknown(ctx, o, err.Error())
	default:
		r.results.WithLabelValues(channel, "retried").Inc()
		if _, rerr := r.desk.Retry(ctx, o, err.Error()); rerr != nil && !errors.Is(rerr, fault.ErrConflict) {
			return rerr
		}
		return err
	}
}

// isPermanent reports an error that says trying again will not help: an
// SMTP 5xx, a Twilio 4xx, a fax service's 4xx.
func isPermanent(err error) bool {
	var m *outmail.PermanentError
	var s *sms.PermanentError
	var f *fax.PermanentError
	return errors.As(err, &m) || errors.As(err, &s) || errors.As(err, &f)
}

// isAmbiguous reports an error after which nobody knows whether the
// message arrived: a connection cut after the final dot.
func isAmbiguous(err error) bool {
	var a *outmail.AmbiguousError
	return errors.As(err, &a)
}

// EnvelopeID is the SMTP envelope id (ENVID) of an outbound mail: its
// Message-ID without the angle brackets, which a delivery report quotes
// back as Original-Envelope-Id (RFC 3464 §2.2.1) even when it returns no
// header.
func EnvelopeID(m *ticket.Message) string {
	return strings.TrimSuffix(strings.TrimPrefix(m.MessageID, "<"), ">")
}

// files reads the bytes of an outbound mail's attachments from the store.
// A file that is gone is an error that trying again will not mend; Redis
// unavailable is one for which fault.IsUnavailable is true.
func (r *Responder) files(ctx context.Context, o *desk.Outgoing) ([]outmail.Attachment, error) {
	var out []outmail.Attachment
	for _, a := range o.Message.Attachments {
		_, data, err := r.desk.Store().Attachment(ctx, o.TicketID, a.ID)
		if fault.IsUnavailable(err) {
			return nil, err
		}
		if err != nil {
			return nil, fmt.Errorf("the attachment %s cannot be read: %w", a.Filename, err)
		}
		out = append(out, outmail.Attachment{Filename: a.Filename, ContentType: a.ContentType, Data: data})
	}
	return out, nil
}

// render writes the mail of an outbound message as the desk stored it, with
// its files: its sender, recipients, subject, signed Message-ID and
// threading headers were all decided when it was queued (desk's
// outbound-mail builder). Bcc recipients are recipients of the SMTP
// transaction only; no header names them.
func (r *Responder) render(m *ticket.Message, files []outmail.Attachment) ([]byte, string, []string, error) {
	from, err := mail.ParseAddress(m.From)
	if err != nil {
		return nil, "", nil, fmt.Errorf("the message has no sender address (%q)", m.From)
	}
	msg := outmail.Message{
		From: outmail.Address{Name: from.Name, Addr: from.Address}, Subject: m.Subject, Text: m.Text,
		MessageID: m.MessageID, InReplyTo: m.InReplyTo, References: m.References, Date: m.CreatedAt,
		Attachments: files,
	}
	switch {
	case m.Meta["ack"] == "1" || m.Kind == ticket.KindAutoReply:
		// RFC 3834 §5: mark automatic answers so that other responders do
		// not answer them, and ask Exchange not to (X-Auto-Response-Suppress).
		msg.Headers = map[string]string{"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All"}
	case m.Meta["notice"] == "1":
		// The desk's own notice to its people: generated, not an answer
		// (RFC 3834 §5).
		msg.Headers = map[string]string{"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"}
	}
	var rcpt []string
	for _, list := range []struct {
		in  []string
		out *[]outmail.Address
	}{{m.To, &msg.To}, {m.Cc, &msg.Cc}} {
		for _, s := range list.in {
			a, err := mail.ParseAddress(s)
			if err != nil {
				continue // a phone number on a voice ticket answered by mail, say
			}
			*list.out = append(*list.out, outmail.Address{Name: a.Name, Addr: a.Address})
			rcpt = append(rcpt, a.Address)
		}
	}
	if len(rcpt) == 0 {
		return nil, "", nil, errors.New("the message has no mail recipient")
	}
	for _, s := range m.Bcc {
		if a, err := mail.ParseAddress(s); err == nil {
			rcpt = append(rcpt, a.Address)
		}
	}
	raw, err := outmail.Build(msg)
	if err != nil {
		return nil, "", nil, err
	}
	if raw, err = r.DKIM.Sign(raw); err != nil {
		return nil, "", nil, fmt.Errorf("dkim sign: %w", err)
	}
	return raw, from.Address, rcpt, nil
}

func hasEmail(list []string) bool {
	for _, s := range list {
		if _, err := mail.ParseAddress(s); err == nil {
			return true
		}
	}
	return false
}
