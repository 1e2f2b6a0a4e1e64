package responders

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/mail"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"frontdesk/config"
	"frontdesk/jobs"
	outmail "frontdesk/responders/mail"
	"frontdesk/responders/sms"
	"frontdesk/responders/smtpsink"
	"frontdesk/routing/dispatch"
	"frontdesk/ticket"
	"frontdesk/ticket/redisstore"
)

type desk struct {
	store  *redisstore.Store
	tix    *dispatch.Store
	sink   *smtpsink.Sink
	resp   *Responder
	cfg    *config.Config
	queue  *jobs.Queue
	sender *outmail.Sender
}

func newDesk(t *testing.T) *desk { return newDeskB(t, 2, nil) }

// newDeskB is newDesk for tests and benchmarks alike: workers send, on rdb
// (nil: an in-process miniredis).
func newDeskB(t testing.TB, workers int, rdb redis.UniversalClient) *desk {
	return newDeskOn(t, workers, rdb, 0)
}

// newDeskOn is newDeskB with its mail sent to smtpPort on 127.0.0.1 instead
// of the sink (0: the sink). With no workers nothing runs: the test drives
// the responder and its queue itself.
func newDeskOn(t testing.TB, workers int, rdb redis.UniversalClient, smtpPort int) *desk {
	t.Helper()
	sink, err := smtpsink.Start(nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sink.Close() })
	if smtpPort == 0 {
		smtpPort = sink.Port()
	}
	yaml := fmt.Sprintf(`
redis: {url: "redis://127.0.0.1:6379/0"}
mailboxes: [{name: support, host: imap.example.com, username: support@example.com, password: p, address: support@example.com}]
smtp: {host: 127.0.0.1, port: %d, security: none, from: support@example.com}
queues: [{name: support, address: "Support <support@example.com>", auto_ack: true, first_response: 4h}]
`, smtpPort)
	cfg, err := config.Parse([]byte(yaml), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	if rdb == nil {
		mr := miniredis.RunT(t)
		c := redis.NewClient(&redis.Options{Addr: mr.Addr()})
		t.Cleanup(func() { c.Close() })
		rdb = c
	}
	store := redisstore.New(rdb, nil)
	quiet := slog.New(slog.DiscardHandler)
	tix := dispatch.New(store, cfg, nil, &dispatch.Options{Acker: NewAcknowledger(store, rdb, cfg), Logger: quiet})
	q := jobs.New("outbox", &jobs.Options{Redis: rdb, Logger: quiet, BackoffMin: 20 * time.Millisecond,
		BackoffMax: 100 * time.Millisecond, Poll: 10 * time.Millisecond})
	sender := outmail.NewSender(cfg.SMTP, &outmail.SenderOptions{Logger: quiet})
	t.Cleanup(func() { sender.Close() })
	resp := New(store, cfg, q, sender, quiet)
	if workers > 0 {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); resp.Run(ctx, workers, 20*time.Millisecond) }()
		t.Cleanup(func() { cancel(); <-done })
	}
	return &desk{store: store, tix: tix, sink: sink, resp: resp, cfg: cfg, queue: q, sender: sender}
}

func customerMail(src, from, subject string, kind ticket.Kind, tags ...string) ticket.NewTicket {
	return ticket.NewTicket{Channel: ticket.ChannelEmail, Queue: "support", Mailbox: "support", Subject: subject,
		Customer: ticket.Customer{Name: "Ann Lee", Email: from}, Tags: tags,
		FirstResponseDue: time.Now().Add(4 * time.Hour),
		Message: ticket.NewMessage{SourceKey: src, From: "Ann Lee <" + from + ">", Subject: subject, Text: "Hello",
			Kind: kind, MessageID: "<" + src + "@example.org>"}}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 10s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestOneAcknowledgementThenAThreadedReply(t *testing.T) {
	d := newDesk(t)
	ctx := context.Background()
	nt := customerMail("q1", "ann@example.org", "Order 553 arrived broken", ticket.KindNormal)
	r, err := d.tix.Create(ctx, nt)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.tix.Create(ctx, nt); err != nil { // the same mail again
		t.Fatal(err)
	}
	waitFor(t, "the acknowledgement", func() bool { return len(d.sink.Received()) == 1 })
	ack, err := mail.ReadMessage(bytes.NewReader(d.sink.Received()[0].Data))
	if err != nil {
		t.Fatal(err)
	}
	h := ack.Header
	if h.Get("Auto-Submitted") != "auto-replied" || h.Get("In-Reply-To") != "<q1@example.org>" ||
		!strings.Contains(h.Get("Subject"), "[#"+r.TicketID+"]") || !strings.Contains(h.Get("To"), "ann@example.org") {
		t.Fatalf("acknowledgement headers = %v", h)
	}
	// The delivery is recorded just after the server's 250.
	waitFor(t, "the acknowledgement recorded as sent", func() bool {
		tk, _ := d.store.Get(ctx, r.TicketID)
		return len(tk.Messages) == 2 && tk.Messages[1].Delivery == ticket.DeliverySent
	})
	if tk, _ := d.store.Get(ctx, r.TicketID); tk.FirstResponseDue == nil {
		t.Fatalf("after the acknowledgement: %+v", tk)
	}
	if st, _ := d.store.QueueStats(ctx, "support"); st.SLABreached != 0 {
		t.Fatal("unexpected breach")
	}
	// An assistant's reply, as the API stores it.
	reply := ticket.NewMessage{SourceKey: "reply:1", Direction: ticket.DirectionOut, Channel: ticket.ChannelEmail,
		From: "Support <support@example.com>", To: []string{"Ann Lee <ann@example.org>"}, Subject: "Re: Order 553 arrived broken [#" + r.TicketID + "]",
		Text: "We are sending a new lamp.", MessageID: "<fd.reply1@example.com>", InReplyTo: "<q1@example.org>",
		References: []string{"<q1@example.org>"}, Delivery: ticket.DeliveryQueued, By: "bob"}
	if _, err := d.store.AppendMessage(ctx, r.TicketID, reply); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the reply", func() bool { return len(d.sink.Received()) == 2 })
	got, _ := mail.ReadMessage(bytes.NewReader(d.sink.Received()[1].Data))
	if got.Header.Get("Message-Id") != "<fd.reply1@example.com>" || got.Header.Get("References") != "<q1@example.org>" ||
		got.Header.Get("Auto-Submitted") != "" {
		t.Fatalf("reply headers = %v", got.Header)
	}
	time.Sleep(200 * time.Millisecond) // more sweeps pass: still sent once
	if n := len(d.sink.Received()); n != 2 {
		t.Fatalf("%d mails sent, want 2", n)
	}
}

func TestNoAcknowledgementForMachinesOrLoops(t *testing.T) {
	d := newDesk(t)
	ctx := context.Background()
	for i, nt := range []ticket.NewTicket{
		customerMail("a1", "ann@example.org", "Out of office", ticket.KindAutoReply),
		customerMail("a2", "mailer-daemon@mx.example.org", "Undelivered", ticket.KindBounce),
		customerMail("a3", "news@list.example", "Weekly news", ticket.KindNormal, "list"),
		customerMail("a4", "noreply@shop.example", "Your order", ticket.KindNormal),
		customerMail("a5", "support@example.com", "Loop", ticket.KindNormal),
	} {
		if _, err := d.tix.Create(ctx, nt); err != nil {
			t.Fatalf("%d: %v", i, err)
		}
	}
	// Brake: four tickets from one sender in an hour get three answers.
	for i := range 4 {
		if _, err := d.tix.Create(ctx, customerMail(fmt.Sprintf("b%d", i), "busy@example.org", "Question", ticket.KindNormal)); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "three acknowledgements", func() bool { return len(d.sink.Received()) >= 3 })
	time.Sleep(300 * time.Millisecond)
	for _, m := range d.sink.Received() {
		if m.To[0] != "busy@example.org" {
			t.Errorf("acknowledged %v", m.To)
		}
	}
	if n := len(d.sink.Received()); n != 3 {
		t.Fatalf("%d acknowledgements, want 3", n)
	}
}

func TestSMTPDownThenEveryReplyOnce(t *testing.T) {
	d := newDesk(t)
	ctx := context.Background()
	d.sink.SetDown(true)
	var ids []string
	for i := range 5 {
		r, err := d.tix.Create(ctx, customerMail(fmt.Sprintf("d%d", i), fmt.Sprintf("c%d@example.org", i), "Hi", ticket.KindNormal))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.TicketID)
	}
	time.Sleep(300 * time.Millisecond) // several attempts meet the 421
	if n := len(d.sink.Received()); n != 0 {
		t.Fatalf("%d mails through a down server", n)
	}
	d.sink.SetDown(false)
	waitFor(t, "all five acknowledgements recorded as sent", func() bool {
		for _, id := range ids {
			if tk, _ := d.store.Get(ctx, id); len(tk.Messages) < 2 || tk.Messages[1].Delivery != ticket.DeliverySent {
				return false
			}
		}
		return true
	})
	time.Sleep(300 * time.Millisecond)
	if n := len(d.sink.Received()); n != 5 {
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

func TestTextReplies(t *testing.T) {
	d := newDesk(t)
	texts := &fakeSMS{}
	d.resp.SMS = texts
	ctx := context.Background()
	for _, c := range []struct{ src, phone string }{{"SM1", "+15555550123"}, {"SM2", "+15550000000"}} {
		r, err := d.store.Create(ctx, ticket.NewTicket{Channel: ticket.ChannelSMS, Queue: "support", Customer: ticket.Customer{Phone: c.phone},
			Message: ticket.NewMessage{SourceKey: c.src, Kind: ticket.KindSMS, From: c.phone, To: []string{"+15555550100"}, Text: "Hi"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.store.AppendMessage(ctx, r.TicketID, ticket.NewMessage{SourceKey: "reply:" + c.src, Direction: ticket.DirectionOut,
			Channel: ticket.ChannelSMS, To: []string{c.phone}, Text: "We are on it", Delivery: ticket.DeliveryQueued}); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "one text sent, one refused", func() bool {
		ok, failed := 0, 0
		p, _ := d.store.List(ctx, ticket.ListFilter{})
		for _, s := range p.Tickets {
			tk, _ := d.store.Get(ctx, s.ID)
			switch tk.Messages[len(tk.Messages)-1].Delivery {
			case ticket.DeliverySent:
				ok++
			case ticket.DeliveryFailed:
				failed++
			}
		}
		return ok == 1 && failed == 1
	})
	if got := texts.texts(); len(got) != 1 || got[0] != "+15555550100>+15555550123:We are on it" {
		t.Fatalf("texts = %v", got)
	}
}

// Two workers holding the same message (a lease ran out under a slow
// server) send it once: only the one that moves it from queued sends.
func TestTwoWorkersOneMessageOneSend(t *testing.T) {
	d := newDesk(t)
	ctx := context.Background()
	r, err := d.store.Create(ctx, customerMail("w1", "ann@example.org", "Hi", ticket.KindNormal))
	if err != nil {
		t.Fatal(err)
	}
	rc, err := d.store.AppendMessage(ctx, r.TicketID, ticket.NewMessage{SourceKey: "reply:w1", Direction: ticket.DirectionOut,
		To: []string{"ann@example.org"}, Text: "x", Delivery: ticket.DeliveryQueued})
	if err != nil {
		t.Fatal(err)
	}
	var sends atomic.Int32
	release := make(chan struct{})
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			_ = d.resp.deliver(ctx, r.TicketID, rc.MessageID, "test", func(claim func() error) (string, error) {
				if err := claim(); err != nil {
					return "", err
				}
				sends.Add(1)
				<-release
				return "accepted by test", nil
			})
		})
	}
	time.Sleep(100 * time.Millisecond)
	close(release)
	wg.Wait()
	time.Sleep(200 * time.Millisecond) // the desk's own workers sweep the outbox too
	if n := int(sends.Load()) + len(d.sink.Received()); n != 1 {
		t.Fatalf("%d sends (%d by the two, %d through SMTP), want 1", n, sends.Load(), len(d.sink.Received()))
	}
}

// While the SMTP server cannot be reached, nothing is marked sent: the
// message is claimed only once the connection is ready, so that a crash
// during an outage cannot leave it marked sent and never delivered.
func TestSMTPUnreachableNothingMarkedSent(t *testing.T) {
	// Port 1 on loopback refuses connections. (A port a test server had
	// and closed could be taken by another test's server meanwhile.)
	d := newDeskOn(t, 2, nil, 1)
	ctx := context.Background()
	r, err := d.tix.Create(ctx, customerMail("u1", "ann@example.org", "Hi", ticket.KindNormal))
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // several attempts meet a closed port
	tk, err := d.store.Get(ctx, r.TicketID)
	if err != nil {
		t.Fatal(err)
	}
	if len(tk.Messages) != 2 || tk.Messages[1].Delivery != ticket.DeliveryQueued {
		t.Fatalf("messages %+v, want the acknowledgement still queued", tk.Messages)
	}
	for _, e := range tk.Events {
		if e.Type == "delivery" {
			t.Errorf("delivery recorded while the server was unreachable: %+v", e)
		}
	}
}
