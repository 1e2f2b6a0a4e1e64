// Package responders delivers what frontdesk says to customers: assistants'
// replies by mail over SMTP, once each, threaded into the customer's own
// conversation.
//
// The outbox is the store's index of outbound messages still queued: the API
// stores a reply and its place in the outbox in one script, so nothing stored
// can be forgotten. Every instance sweeps the outbox into a job queue in Redis
// (package jobs: leases, retries with capped backoff, a dead list); a worker
// sends the mail and records the delivery. The job's id is the message's, so
// a sweep that finds the same message again adds nothing.
//
// At most once: a worker moves the message from queued to sent (a
// compare-and-set: of two workers holding it, only one wins) right before it
// hands the mail to the server — once the SMTP connection is ready, not
// before a dial that may fail nor while other deliveries hold the
// connection — so a crash after the server accepted it never sends it again
// (the retried job finds it settled). A temporary failure puts it back to
// queued, also when the send was cut off by a shutdown or by its job's lease
// running out (then with a job of its own, since another worker may have
// finished the old one); once the server accepted it, its answer ("accepted
// by …", a text's SID) is added to the record.
// The remaining windows: a crash after the record and before the server
// accepted the mail leaves it marked sent but not delivered; a connection
// lost after the whole mail was written but before the server's answer
// counts as a temporary failure, so the customer may get that mail twice
// (what any mail server does in that case, RFC 5321 §6.1).
package responders

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"strings"
	"time"

	"frontdesk/config"
	"frontdesk/fault"
	"frontdesk/jobs"
	outmail "frontdesk/responders/mail"
	"frontdesk/responders/sms"
	"frontdesk/ticket"
)

// SMSSender sends a text (package responders/sms); a refusal that trying
// again will not change is an error for which Permanent is true.
type SMSSender interface {
	Send(ctx context.Context, from, to, body string) (sid string, err error)
}

// Responder sends the outbox's mail and texts.
type Responder struct {
	// DKIM, when set, signs every mail before it is sent.
	DKIM *outmail.DKIM
	// SMS, when set, sends replies to phone numbers (sms and voice tickets).
	SMS    SMSSender
	store  ticket.Store
	cfg    *config.Config
	queue  *jobs.Queue
	sender *outmail.Sender
	logger *slog.Logger
	now    func() time.Time
}

// New returns a Responder sending with sender the outbox of store, queued on q.
func New(store ticket.Store, cfg *config.Config, q *jobs.Queue, sender *outmail.Sender, logger *slog.Logger) *Responder {
	if logger == nil {
		logger = slog.Default()
	}
	return &Responder{store: store, cfg: cfg, queue: q, sender: sender, logger: logger, now: time.Now}
}

// Run sweeps the outbox into the job queue every interval and works the queue
// with n workers until ctx ends.
func (r *Responder) Run(ctx context.Context, n int, interval time.Duration) {
	go func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			if err := r.Sweep(ctx); err != nil && !errors.Is(err, context.Canceled) {
				r.logger.Debug("outbox sweep", slog.Any("error", err))
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	if err := r.queue.Run(ctx, n, r.HandleJob); err != nil {
		r.logger.Error("responder stopped", slog.Any("error", err))
	}
}

// Sweep puts every queued outbound message in the job queue (idempotently).
func (r *Responder) Sweep(ctx context.Context) error {
	refs, err := r.store.Outbox(ctx, r.now(), 500)
	if err != nil {
		return err
	}
	for _, ref := range refs {
		j := jobs.Job{ID: "send:" + ref.TicketID + ":" + ref.MessageID, Kind: "send",
			Payload: []byte(ref.TicketID + " " + ref.MessageID)}
		if err := r.queue.Enqueue(ctx, j, time.Time{}); err != nil {
			return err
		}
	}
	return nil
}

// HandleJob sends one outbound message and records its delivery.
func (r *Responder) HandleJob(ctx context.Context, j jobs.Job) error {
	tid, mid, ok := strings.Cut(string(j.Payload), " ")
	if !ok {
		return jobs.Permanent(fmt.Errorf("send job %s: bad payload", j.ID))
	}
	t, err := r.store.Get(ctx, tid)
	if errors.Is(err, fault.ErrNotFound) {
		return jobs.Permanent(err)
	}
	if err != nil {
		return err
	}
	m := messageByID(t, mid)
	if m == nil {
		return jobs.Permanent(fmt.Errorf("send job %s: no message %s on ticket %s", j.ID, mid, tid))
	}
	if m.Delivery != ticket.DeliveryQueued {
		return nil // settled already: a second sweep or a redelivered job
	}
	if !hasEmail(m.To) {
		return r.sendSMS(ctx, t, m)
	}
	if r.sender == nil {
		err := fmt.Errorf("no way to send mail: configure smtp")
		_ = r.store.SetDelivery(ctx, tid, mid, ticket.DeliveryFailed, err.Error(), "responder")
		return jobs.Permanent(err)
	}
	raw, from, rcpt, err := r.build(t, m)
	if err != nil {
		_ = r.store.SetDelivery(ctx, tid, mid, ticket.DeliveryFailed, err.Error(), "responder")
		return jobs.Permanent(err)
	}
	return r.deliver(ctx, tid, mid, "SMTP "+r.cfg.SMTP.Host, func(claim func() error) (string, error) {
		return "accepted by " + r.cfg.SMTP.Host, r.sender.SendWith(ctx, from, rcpt, raw, claim)
	})
}

// deliver hands a message over with send, which calls claim at the last
// moment before it does (a mail: once the SMTP connection is ready for it)
// and says, when the message was accepted, what to record ("accepted by …").
// claim records the message sent — a compare-and-set from queued, so that of
// two workers holding it only one sends — so that a crash after the server
// accepted it never sends it again (the job, retried, finds it settled). A
// send that fails before claim leaves the message queued and the job
// retries; after claim, a temporary failure puts it back to queued and the
// job retries, and a permanent one marks it failed with the server's word.
// The remaining window: a crash after claim and before the server's answer
// leaves a message marked sent that was not delivered.
func (r *Responder) deliver(ctx context.Context, tid, mid, via string, send func(claim func() error) (string, error)) error {
	claimed := false
	claimDetail := "handed to " + via + ", claim " + nonce()
	accepted, err := send(func() error {
		err := r.store.ClaimDelivery(ctx, tid, mid, claimDetail, "responder")
		if fault.IsUnavailable(err) && r.holdsClaim(ctx, tid, mid, claimDetail) {
			err = nil // Redis recorded the claim; only its answer was lost
		}
		if err != nil {
			return err
		}
		claimed = true
		return nil
	})
	switch {
	case !claimed && errors.Is(err, fault.ErrConflict):
		return nil // another worker holds it (a lease ran out under a slow server), or it is settled
	case !claimed && err == nil:
		return fmt.Errorf("send %s of ticket %s: handed over without a claim", mid, tid)
	case !claimed:
		return err // nothing handed over, nothing recorded: still queued, the job retries
	case err == nil:
		// Already marked sent by the claim: this only adds the server's
		// word (a text's SID) to the record, so a failure is not the send's.
		if serr := r.settle(ctx, tid, mid, ticket.DeliverySent, accepted); serr != nil {
			r.logger.Warn("a sent message's acceptance could not be recorded", slog.String("ticket", tid),
				slog.String("message", mid), slog.Any("error", serr))
		}
		return nil
	case isPermanent(err):
		if serr := r.settle(ctx, tid, mid, ticket.DeliveryFailed, err.Error()); serr != nil {
			return serr
		}
		return jobs.Permanent(err)
	default:
		if serr := r.settle(ctx, tid, mid, ticket.DeliveryQueued, "will retry: "+err.Error()); serr != nil {
			return serr
		}
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			// The job's lease ran out under the send: another worker may
			// have taken the job meanwhile, found the message claimed and
			// finished it. A job of its own sees the message sent again.
			r.resend(ctx, tid, mid)
		}
		return fmt.Errorf("send %s of ticket %s: %w", mid, tid, err)
	}
}

// holdsClaim reports whether the message's record is this worker's claim,
// for a claim whose answer was lost: Redis may have recorded it. It asks
// again for up to settleFor while Redis is unavailable.
func (r *Responder) holdsClaim(ctx context.Context, tid, mid, claimDetail string) bool {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), settleFor)
	defer cancel()
	for wait := 100 * time.Millisecond; ; wait = min(2*wait, 2*time.Second) {
		t, err := r.store.Get(sctx, tid)
		if err == nil {
			m := messageByID(t, mid)
			return m != nil && m.Delivery == ticket.DeliverySent && m.DeliveryDetail == claimDetail
		}
		if !fault.IsUnavailable(err) {
			return false
		}
		select {
		case <-sctx.Done():
			return false
		case <-time.After(wait):
		}
	}
}

// resend gives a message put back to queued a job of its own, for when the
// job that sent it may already be finished by another worker (the outbox
// sweep cannot: a finished job's id is remembered).
func (r *Responder) resend(ctx context.Context, tid, mid string) {
	j := jobs.Job{ID: "send:" + tid + ":" + mid + ":again-" + nonce(), Kind: "send", Payload: []byte(tid + " " + mid)}
	if err := r.queue.Enqueue(context.WithoutCancel(ctx), j, time.Time{}); err != nil {
		r.logger.Error("a message back in the outbox could not be given a new job; the outbox sweep will not see it while the old one is remembered",
			slog.String("ticket", tid), slog.String("message", mid), slog.Any("error", err))
	}
}

// settleFor bounds how long recording a send's outcome keeps trying while
// Redis is unavailable.
const settleFor = 30 * time.Second

// settle records a message's state after a send. It keeps trying for a
// while, and also once ctx has ended (a shutdown, or the job's lease running
// out under a send that was cut off): a message left "sent" after a failed
// send would never be tried again.
func (r *Responder) settle(ctx context.Context, tid, mid string, d ticket.Delivery, detail string) error {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), settleFor)
	defer cancel()
	var err error
	for wait := 100 * time.Millisecond; ; wait = min(2*wait, 5*time.Second) {
		if err = r.store.SetDelivery(sctx, tid, mid, d, detail, "responder"); err == nil || !fault.IsUnavailable(err) {
			return err
		}
		select {
		case <-sctx.Done():
			r.logger.Error("a send's outcome could not be recorded", slog.String("ticket", tid),
				slog.String("message", mid), slog.String("state", string(d)), slog.Any("error", err))
			return err
		case <-time.After(wait):
		}
	}
}

// messageByID returns the message of t with id mid, or nil.
func messageByID(t *ticket.Ticket, mid string) *ticket.Message {
	for i := range t.Messages {
		if t.Messages[i].ID == mid {
			return &t.Messages[i]
		}
	}
	return nil
}

// nonce is 8 random hex digits, telling one claim or job from another.
func nonce() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// sendSMS texts an outbound message to the customer's number from the number
// the customer called or texted (else the first configured one).
func (r *Responder) sendSMS(ctx context.Context, t *ticket.Ticket, m *ticket.Message) error {
	fail := func(err error) error {
		if serr := r.store.SetDelivery(ctx, t.ID, m.ID, ticket.DeliveryFailed, err.Error(), "responder"); serr != nil {
			return serr
		}
		return jobs.Permanent(err)
	}
	if r.SMS == nil {
		return fail(fmt.Errorf("no way to send an SMS: configure twilio"))
	}
	to := ""
	if len(m.To) > 0 {
		to = m.To[0]
	}
	from := ""
	for _, in := range t.Messages {
		if in.Direction == ticket.DirectionIn && len(in.To) > 0 && strings.HasPrefix(in.To[0], "+") {
			from = in.To[0]
			break
		}
	}
	if from == "" && len(r.cfg.Twilio.Numbers) > 0 {
		from = r.cfg.Twilio.Numbers[0].Number
	}
	if to == "" || from == "" {
		return fail(fmt.Errorf("no phone number to text from or to"))
	}
	return r.deliver(ctx, t.ID, m.ID, "Twilio", func(claim func() error) (string, error) {
		if err := claim(); err != nil {
			return "", err
		}
		sid, err := r.SMS.Send(ctx, from, to, m.Text)
		return "accepted by Twilio as " + sid, err
	})
}

// isPermanent reports an error that says trying again will not help: an
// SMTP 5xx or a Twilio 4xx.
func isPermanent(err error) bool {
	var m *outmail.PermanentError
	var s *sms.PermanentError
	return errors.As(err, &m) || errors.As(err, &s)
}

// build writes the mail of an outbound message: from the queue's (or the
// configured) address, to the message's recipients, threaded by the
// Message-ID, In-Reply-To and References the API stored with it.
func (r *Responder) build(t *ticket.Ticket, m *ticket.Message) ([]byte, string, []string, error) {
	from, err := mail.ParseAddress(m.From)
	if err != nil || m.From == "" {
		q, _ := r.cfg.Queue(t.Queue)
		addr := q.Address
		if addr == "" {
			addr = r.cfg.SMTP.From
		}
		if from, err = mail.ParseAddress(addr); err != nil {
			return nil, "", nil, fmt.Errorf("no sender address for queue %s (queues[].address or smtp.from): %w", t.Queue, fault.ErrInvalid)
		}
	}
	msg := outmail.Message{
		From: outmail.Address{Name: from.Name, Addr: from.Address}, Subject: m.Subject, Text: m.Text,
		MessageID: m.MessageID, InReplyTo: m.InReplyTo, References: m.References, Date: m.CreatedAt,
	}
	if m.Meta["ack"] == "1" || m.Kind == ticket.KindAutoReply {
		// RFC 3834 §5: mark automatic answers so that other responders do
		// not answer them, and ask Exchange not to (X-Auto-Response-Suppress).
		msg.Headers = map[string]string{"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All"}
	}
	var rcpt []string
	for _, list := range [][]string{m.To, m.Cc} {
		for _, s := range list {
			a, err := mail.ParseAddress(s)
			if err != nil {
				continue // a phone number on a voice ticket answered by mail, say
			}
			rcpt = append(rcpt, a.Address)
		}
	}
	for _, s := range m.To {
		if a, err := mail.ParseAddress(s); err == nil {
			msg.To = append(msg.To, outmail.Address{Name: a.Name, Addr: a.Address})
		}
	}
	for _, s := range m.Cc {
		if a, err := mail.ParseAddress(s); err == nil {
			msg.Cc = append(msg.Cc, outmail.Address{Name: a.Name, Addr: a.Address})
		}
	}
	if len(rcpt) == 0 {
		return nil, "", nil, fmt.Errorf("no mail recipient: %w", fault.ErrInvalid)
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
