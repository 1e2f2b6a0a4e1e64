package responders

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"frontdesk/responders/smtpsink"
	"frontdesk/ticket"
)

// slowSink is an SMTP server that keeps a mail when it reads its final dot
// and answers it answer later; got is closed at the first mail.
func slowSink(t *testing.T, answer time.Duration, dsn bool) (*smtpsink.Sink, chan struct{}) {
	t.Helper()
	got := make(chan struct{})
	var once sync.Once
	sink, err := smtpsink.StartWith(smtpsink.Options{Answer: answer, DSN: dsn, OnMail: func(smtpsink.Received) { once.Do(func() { close(got) }) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sink.Close() })
	return sink, got
}

// runUntil runs h's responder with grace until stop is closed, and returns
// a channel closed when Run returned.
func runUntil(h *harness, grace time.Duration, stop <-chan struct{}) <-chan struct{} {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	h.resp.Grace = grace
	go func() { defer close(done); h.resp.Run(ctx, 2) }()
	go func() { <-stop; cancel() }()
	return done
}

// A shutdown while the server has not yet answered the final dot lets the
// transaction finish: the mail is sent once and recorded sent.
func TestShutdownLetsASendInFlightFinish(t *testing.T) {
	sink, got := slowSink(t, time.Second, false)
	h := newHarness(t, options{smtpPort: sink.Port()})
	r, err := h.desk.Receive(context.Background(), customerMail("g1", "ann@example.org", "Hi"))
	if err != nil {
		t.Fatal(err)
	}
	done := runUntil(h, 10*time.Second, got) // SIGTERM as the dot is read
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		t.Fatal("Run did not return within its grace")
	}
	m := h.message(t, r.TicketID, "m2")
	if m.Delivery != ticket.DeliverySent {
		t.Fatalf("acknowledgement %s (%s), want sent", m.Delivery, m.DeliveryDetail)
	}
	if n := len(sink.Received()); n != 1 {
		t.Fatalf("%d mails received, want 1", n)
	}
}

// A send cut off after its final dot, before the server answered (the grace
// ran out), is unknown, not queued again: the server kept the mail, and a
// second try would deliver it twice. A later start does not send it.
func TestCutAfterFinalDotIsUnknownNotResent(t *testing.T) {
	sink, got := slowSink(t, 3*time.Second, false)
	h := newHarness(t, options{smtpPort: sink.Port()})
	r, err := h.desk.Receive(context.Background(), customerMail("c1", "ann@example.org", "Hi"))
	if err != nil {
		t.Fatal(err)
	}
	<-runUntil(h, 100*time.Millisecond, got)
	m := h.message(t, r.TicketID, "m2")
	if m.Delivery != ticket.DeliveryUnknown || !strings.Contains(m.DeliveryDetail, "before the server confirmed") {
		t.Fatalf("acknowledgement %s (%s), want unknown with the reason", m.Delivery, m.DeliveryDetail)
	}
	// Started again, the responder leaves it alone.
	stop := make(chan struct{})
	done := runUntil(h, time.Second, stop)
	time.Sleep(300 * time.Millisecond)
	close(stop)
	<-done
	if n := len(sink.Received()); n != 1 {
		t.Fatalf("%d mails received, want 1", n)
	}
	if m := h.message(t, r.TicketID, "m2"); m.Delivery != ticket.DeliveryUnknown {
		t.Fatalf("after a restart the acknowledgement is %s, want still unknown", m.Delivery)
	}
}

// A shutdown before a message was handed over hands nothing new over: it
// stays queued for the next start.
func TestShutdownHandsNothingNewOver(t *testing.T) {
	sink, got := slowSink(t, 500*time.Millisecond, false)
	h := newHarness(t, options{smtpPort: sink.Port()})
	ctx := context.Background()
	var ids []string
	for i := range 6 {
		r, err := h.desk.Receive(ctx, customerMail("n"+string(rune('a'+i)), "ann"+string(rune('a'+i))+"@example.org", "Hi"))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.TicketID)
	}
	<-runUntil(h, 10*time.Second, got)
	sent, queued := 0, 0
	for _, id := range ids {
		switch m := h.message(t, id, "m2"); m.Delivery {
		case ticket.DeliverySent:
			sent++
		case ticket.DeliveryQueued:
			queued++
		default:
			t.Errorf("ticket %s: acknowledgement %s (%s), want sent or queued", id, m.Delivery, m.DeliveryDetail)
		}
	}
	if n := len(sink.Received()); n != sent || sent == 0 || queued == 0 {
		t.Fatalf("%d received, %d sent, %d queued: want the ones in flight sent and the rest queued", n, sent, queued)
	}
}

// Mail asks a server that offers DSN for the reports Notify names, with
// its Message-ID as the envelope id (RFC 3461).
func TestMailAsksForDeliveryReports(t *testing.T) {
	sink, got := slowSink(t, 0, true)
	h := newHarness(t, options{smtpPort: sink.Port()})
	h.resp.Notify = []string{"success", "failure"}
	r, err := h.desk.Receive(context.Background(), customerMail("d1", "ann@example.org", "Hi"))
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	done := runUntil(h, time.Second, stop)
	<-got
	waitFor(t, "sent", func() bool { return h.message(t, r.TicketID, "m2").Delivery == ticket.DeliverySent })
	close(stop)
	<-done
	rec := sink.Received()[0]
	m := h.message(t, r.TicketID, "m2")
	if rec.EnvelopeID != EnvelopeID(&m) || rec.EnvelopeID == "" || strings.ContainsAny(rec.EnvelopeID, "<>") {
		t.Errorf("ENVID %q, want %q", rec.EnvelopeID, m.MessageID)
	}
	if !slices.Equal(rec.Notify, []string{"SUCCESS", "FAILURE"}) {
		t.Errorf("NOTIFY %q, want SUCCESS,FAILURE", rec.Notify)
	}
}
