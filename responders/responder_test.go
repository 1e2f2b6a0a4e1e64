package responders

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"frontdesk/config"
	"frontdesk/desk"
	"frontdesk/fault"
	"frontdesk/internal/testredis"
	outmail "frontdesk/responders/mail"
	"frontdesk/responders/sms"
	"frontdesk/responders/smtpsink"
	"frontdesk/ticket"
	"frontdesk/ticket/redisstore"
)

// harness is the desk with its responders, sending to an in-memory SMTP sink
// (or another port), on a Redis of the test's own.
type harness struct {
	desk  *desk.Desk
	store *redisstore.Store
	sink  *smtpsink.Sink
	resp  *Responder
	cfg   *config.Config
}

// options of a harness: how many workers run (0: none; the test drives
// Deliver itself), which Redis, which SMTP port (0: the sink), and a wrapper
// of the store the desk works on.
type options struct {
	workers  int
	rdb      redis.UniversalClient
	prefix   string
	smtpPort int
	wrap     func(ticket.Store) ticket.Store
	// sms sends the texts; set before the workers start, as serve does.
	sms SMSSender
}

func newHarness(t testing.TB, o options) *harness {
	t.Helper()
	sink, err := smtpsink.Start(nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sink.Close() })
	if o.smtpPort == 0 {
		o.smtpPort = sink.Port()
	}
	yaml := fmt.Sprintf(`
redis: {url: "redis://127.0.0.1:6379/0"}
mailboxes: [{name: support, host: imap.example.com, username: support@example.com, password: p, address: support@example.com}]
smtp: {host: 127.0.0.1, port: %d, security: none, from: support@example.com}
queues: [{name: support, address: "Support <support@example.com>", auto_ack: true, first_response: 4h}]
`, o.smtpPort)
	cfg, err := config.Parse([]byte(yaml), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	if o.rdb == nil {
		tr := testredis.New(t)
		o.rdb, o.prefix = tr.Client, tr.Prefix
	}
	if o.prefix != "" {
		cfg.Redis.Prefix = o.prefix
	}
	quiet := slog.New(slog.DiscardHandler)
	store := redisstore.New(o.rdb, &redisstore.Options{Prefix: cfg.Redis.Prefix})
	var ts ticket.Store = store
	if o.wrap != nil {
		ts = o.wrap(store)
	}
	d := desk.New(ts, cfg, &desk.Options{Redis: o.rdb, Logger: quiet})
	sender := outmail.NewSender(cfg.SMTP, &outmail.SenderOptions{Logger: quiet})
	t.Cleanup(func() { sender.Close() })
	resp := New(d, quiet, nil)
	resp.Mail, resp.SMTPHost, resp.Poll = sender, cfg.SMTP.Host, 20*time.Millisecond
	resp.SMS = o.sms
	if o.workers > 0 {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); resp.Run(ctx, o.workers) }()
		t.Cleanup(func() { cancel(); <-done })
	}
	return &harness{desk: d, store: store, sink: sink, resp: resp, cfg: cfg}
}

func customerMail(src, from, subject string) ticket.NewTicket {
	return ticket.NewTicket{Channel: ticket.ChannelEmail, Queue: "support", Mailbox: "support", Subject: subject,
		Customer: ticket.Customer{Name: "Ann Lee", Email: from}, Tags: []string{},
		Message: ticket.NewMessage{SourceKey: src, From: "Ann Lee <" + from + ">", Subject: subject, Text: "Hello",
			MessageID: "<" + src + "@example.org>"}}
}

func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 10s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (h *harness) message(t *testing.T, tid, mid string) ticket.Message {
	t.Helper()
	tk, err := h.store.Get(context.Background(), tid)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range tk.Messages {
		if m.ID == mid {
			return m
		}
	}
	t.Fatalf("ticket %s has no message %s", tid, mid)
	return ticket.Message{}
}

// A new mail gets one acknowledgement; the assistant's reply goes out once,
// threaded into the customer's conversation.
func TestOneAcknowledgementThenAThreadedReply(t *testing.T) {
	h := newHarness(t, options{workers: 2})
	ctx := context.Background()
	nt := customerMail("q1", "ann@example.org", "Order 553 arrived broken")
	r, err := h.desk.Receive(ctx, nt)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.desk.Receive(ctx, nt); err != nil { // the same mail again
		t.Fatal(err)
	}
	waitFor(t, "the acknowledgement", func() bool { return len(h.sink.Received()) == 1 })
	ack, err := mail.ReadMessage(bytes.NewReader(h.sink.Received()[0].Data))
	if err != nil {
		t.Fatal(err)
	}
	if hd := ack.Header; hd.Get("Auto-Submitted") != "auto-replied" || hd.Get("In-Reply-To") != "<q1@example.org>" ||
		!strings.Contains(hd.Get("Subject"), "[#"+r.TicketID+"]") || !strings.Contains(hd.Get("To"), "ann@example.org") {
		t.Fatalf("acknowledgement headers = %v", hd)
	}
	waitFor(t, "the acknowledgement recorded as sent", func() bool {
		return h.message(t, r.TicketID, "m2").Delivery == ticket.DeliverySent
	})

	reply, err := h.desk.Reply(ctx, r.TicketID, desk.Answer{Text: "We are sending a new lamp.", By: "bob"})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the reply", func() bool { return len(h.sink.Received()) == 2 })
	got, _ := mail.ReadMessage(bytes.NewReader(h.sink.Received()[1].Data))
	if got.Header.Get("Message-Id") != reply.MessageID || got.Header.Get("In-Reply-To") != "<q1@example.org>" ||
		got.Header.Get("Auto-Submitted") != "" || got.Header.Get("From") != `"Support" <support@example.com>` {
		t.Fatalf("reply headers = %v (stored %+v)", got.Header, reply)
	}
	waitFor(t, "the reply recorded as sent", func() bool {
		m := h.message(t, r.TicketID, reply.ID)
		return m.Delivery == ticket.DeliverySent && m.DeliveryDetail == "accepted by 127.0.0.1"
	})
	time.Sleep(200 * time.Millisecond) // more polls pass: still sent once
	if n := len(h.sink.Received()); n != 2 {
		t.Fatalf("%d mails sent, want 2", n)
	}
}

// While the SMTP server refuses (421), every message waits; once it is back,
// each goes out exactly once.
func TestSMTPDownThenEveryMessageOnce(t *testing.T) {
	h := newHarness(t, options{workers: 2})
	ctx := context.Background()
	h.sink.SetDown(true)
	var ids []string
	for i := range 5 {
		r, err := h.desk.Receive(ctx, customerMail(fmt.Sprintf("d%d", i), fmt.Sprintf("c%d@example.org", i), "Hi"))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.TicketID)
	}
	time.Sleep(300 * time.Millisecond) // the first tries meet the 421
	if n := len(h.sink.Received()); n != 0 {
		t.Fatalf("%d mails through a down server", n)
	}
	h.sink.SetDown(false)
	waitFor(t, "all five acknowledgements recorded as sent", func() bool {
		for _, id := range ids {
			if h.message(t, id, "m2").Delivery != ticket.DeliverySent {
				return false
			}
		}
		return true
	})
	time.Sleep(300 * time.Millisecond)
	if n := len(h.sink.Received()); n != 5 {
		t.Fatalf("%d mails, want exactly 5", n)
	}
}

// fakeSMS records texts; a number starting +1555000 is refused for good.
type fakeSMS struct {
	mu   sync.Mutex
	sent []string
}

func (f *fakeSMS) Send(_ context.Context, from, to, body string) (string, error) {
	if strings.HasPrefix(to, "+1555000") {
		return "", &sms.PermanentError{Status: 400, Code: 21211, Message: "invalid To"}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sent = append(f.sent, from+">"+to+":"+body)
	return fmt.Sprintf("SM%d", len(f.sent)), nil
}

func (f *fakeSMS) texts() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.sent...)
}

// Replies on texts go back by text from the number the customer texted; a
// number Twilio refuses marks the reply failed with Twilio's reason.
func TestTextReplies(t *testing.T) {
	texts := &fakeSMS{}
	h := newHarness(t, options{workers: 2, sms: texts})
	h.cfg.Twilio.AccountSID = "AC0123456789abcdef0123456789abcdef"
	ctx := context.Background()
	var replies []ticket.Message
	var ids []string
	for _, c := range []struct{ src, phone string }{{"SM1", "+15555550123"}, {"SM2", "+15550000000"}} {
		r, err := h.desk.Receive(ctx, ticket.NewTicket{Channel: ticket.ChannelSMS, Queue: "support", Customer: ticket.Customer{Phone: c.phone},
			Message: ticket.NewMessage{SourceKey: c.src, Kind: ticket.KindSMS, From: c.phone, To: []string{"+15555550100"}, Text: "Hi"}})
		if err != nil {
			t.Fatal(err)
		}
		m, err := h.desk.Reply(ctx, r.TicketID, desk.Answer{Text: "We are on it", By: "bob"})
		if err != nil {
			t.Fatal(err)
		}
		replies, ids = append(replies, m), append(ids, r.TicketID)
	}
	waitFor(t, "one text sent, one refused", func() bool {
		return h.message(t, ids[0], replies[0].ID).Delivery == ticket.DeliverySent &&
			h.message(t, ids[1], replies[1].ID).Delivery == ticket.DeliveryFailed
	})
	if got := texts.texts(); len(got) != 1 || got[0] != "+15555550100>+15555550123:We are on it" {
		t.Fatalf("texts = %v", got)
	}
	if m := h.message(t, ids[1], replies[1].ID); !strings.Contains(m.DeliveryDetail, "invalid To") {
		t.Fatalf("refused text = %+v", m)
	}
}

// Two workers holding the same message — the first one's lease ran out
// while it waited for the SMTP connection — send it once.
func TestTwoWorkersOneMessageOneSend(t *testing.T) {
	h := newHarness(t, options{})
	ctx := context.Background()
	if _, err := h.desk.Receive(ctx, customerMail("w1", "ann@example.org", "Hi")); err != nil {
		t.Fatal(err)
	}
	first, err := h.desk.NextOutgoing(ctx, 50*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(150 * time.Millisecond)
	second, err := h.desk.NextOutgoing(ctx, time.Minute)
	if err != nil || second.MessageID != first.MessageID {
		t.Fatalf("second = %+v, %v", second, err)
	}
	var wg sync.WaitGroup
	for _, o := range []*desk.Outgoing{first, second} {
		wg.Go(func() { h.resp.Deliver(ctx, o) })
	}
	wg.Wait()
	if n := len(h.sink.Received()); n != 1 {
		t.Fatalf("%d sends, want 1", n)
	}
	if m := h.message(t, first.TicketID, first.MessageID); m.Delivery != ticket.DeliverySent {
		t.Fatalf("message = %+v", m)
	}
}

// While the SMTP server cannot be reached, nothing is marked sending: the
// message is marked only once the connection is ready, so that a crash
// during an outage never leaves it looking handed over.
func TestSMTPUnreachableNothingMarkedSending(t *testing.T) {
	// Port 1 on loopback refuses connections. (A port a test server had
	// and closed could be taken by another test's server meanwhile.)
	h := newHarness(t, options{workers: 2, smtpPort: 1})
	ctx := context.Background()
	r, err := h.desk.Receive(ctx, customerMail("u1", "ann@example.org", "Hi"))
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a first try", func() bool { return h.message(t, r.TicketID, "m2").DeliveryDetail != "" })
	m := h.message(t, r.TicketID, "m2")
	if m.Delivery != ticket.DeliveryQueued || !strings.Contains(m.DeliveryDetail, "connection refused") {
		t.Fatalf("acknowledgement %+v, want it queued with the reason", m)
	}
	tk, _ := h.store.Get(ctx, r.TicketID)
	for _, e := range tk.Events {
		if e.Type == "delivery" && !strings.Contains(e.Detail, "will try again") {
			t.Errorf("delivery recorded while the server was unreachable: %+v", e)
		}
	}
}

// A send cut off by a shutdown after it was marked sending is not left
// "sending": it goes back to the outbox, although the worker's context has
// ended.
func TestSendCutOffByShutdownIsQueuedAgain(t *testing.T) {
	h := newHarness(t, options{})
	ctx, cancel := context.WithCancel(context.Background())
	r, err := h.desk.Receive(ctx, customerMail("s1", "ann@example.org", "Hi"))
	if err != nil {
		t.Fatal(err)
	}
	o, err := h.desk.NextOutgoing(ctx, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	err = h.resp.hand(ctx, o, "mail", "test", func(sending func() error) (string, error) {
		if err := sending(); err != nil {
			return "", err
		}
		cancel() // the instance stops; the sender closes the connection mid-send
		return "", fmt.Errorf("smtp data: %w", ctx.Err())
	})
	if err == nil {
		t.Fatal("a cut-off send reported done")
	}
	if m := h.message(t, r.TicketID, o.MessageID); m.Delivery != ticket.DeliveryQueued {
		t.Fatalf("after a cut-off send the message is %s (%s), want queued", m.Delivery, m.DeliveryDetail)
	}
}

// lostSendingAnswer is a store whose first "sending" record is carried out
// but its answer lost, as when the connection to Redis breaks after the
// script ran.
type lostSendingAnswer struct {
	ticket.Store
	mu   sync.Mutex
	lost bool
}

func (s *lostSendingAnswer) SettleOutbound(ctx context.Context, o ticket.Outbound, st ticket.Settlement) error {
	if err := s.Store.SettleOutbound(ctx, o, st); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if st.Delivery == ticket.DeliverySending && !s.lost {
		s.lost = true
		return fault.Unavailable(errors.New("read tcp: connection reset by peer"))
	}
	return nil
}

// A "sending" that Redis recorded but whose answer was lost is still the
// worker's: it sends the message instead of leaving it unsent.
func TestSendingWithLostAnswerStillSends(t *testing.T) {
	h := newHarness(t, options{wrap: func(s ticket.Store) ticket.Store { return &lostSendingAnswer{Store: s} }})
	ctx := context.Background()
	r, err := h.desk.Receive(ctx, customerMail("l1", "ann@example.org", "Hi"))
	if err != nil {
		t.Fatal(err)
	}
	o, err := h.desk.NextOutgoing(ctx, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	h.resp.Deliver(ctx, o)
	if n := len(h.sink.Received()); n != 1 {
		t.Fatalf("%d mails sent, want 1", n)
	}
	if m := h.message(t, r.TicketID, o.MessageID); m.Delivery != ticket.DeliverySent {
		t.Fatalf("message %s (%s), want sent", m.Delivery, m.DeliveryDetail)
	}
}
