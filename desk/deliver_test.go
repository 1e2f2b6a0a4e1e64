package desk

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"frontdesk/fault"
	"frontdesk/ticket"
)

func TestBackoffDoublesToItsCap(t *testing.T) {
	for attempt, want := range map[int]time.Duration{1: RetryMin, 2: 2 * RetryMin, 3: 4 * RetryMin, 30: RetryMax, 2000: RetryMax} {
		got := Backoff(attempt)
		if got < want || got > want+want/4 {
			t.Errorf("Backoff(%d) = %v, want %v to %v", attempt, got, want, want+want/4)
		}
	}
}

// A worker takes what is due, marks it sending, and records it sent; a
// temporary failure comes back later; a message that waited longer than a
// week fails for good with the reason.
func TestDeliveryPolicy(t *testing.T) {
	d := newTestDesk(t, "")
	ctx := context.Background()
	r := d.receive(t, newMail("p-1", "ann@example.org", "Hi")) // queues an acknowledgement
	o, err := d.NextOutgoing(ctx, time.Minute)
	if err != nil || o.TicketID != r.TicketID || o.Message.Kind != ticket.KindAutoReply || o.Ticket == nil {
		t.Fatalf("next outgoing = %+v, %v", o, err)
	}
	wait, err := d.Retry(ctx, o, "421 busy")
	if err != nil || wait < RetryMin {
		t.Fatalf("retry = %v, %v", wait, err)
	}
	if _, err := d.NextOutgoing(ctx, time.Minute); !errors.Is(err, fault.ErrNotFound) {
		t.Fatalf("a message waiting for its retry was due at once: %v", err)
	}

	if _, err := d.Reply(ctx, r.TicketID, Answer{Text: "Hello", By: "bob"}); err != nil {
		t.Fatal(err)
	}
	o, err = d.NextOutgoing(ctx, time.Minute)
	if err != nil || o.Message.Kind != ticket.KindNormal {
		t.Fatalf("next outgoing = %+v, %v", o, err)
	}
	if err := d.Sending(ctx, o, "SMTP test"); err != nil {
		t.Fatal(err)
	}
	if err := d.Sent(ctx, o, "accepted by test"); err != nil {
		t.Fatal(err)
	}
	m := messageOf(d.get(t, r.TicketID), o.Message.ID)
	if m.Delivery != ticket.DeliverySent || m.DeliveryDetail != "accepted by test" {
		t.Fatalf("after sending: %+v", m)
	}

	// A message first queued eight days ago is given up with the reason.
	old := *o
	old.Queued = time.Now().Add(-8 * 24 * time.Hour)
	if _, err := d.Reply(ctx, r.TicketID, Answer{Text: "Again", By: "bob"}); err != nil {
		t.Fatal(err)
	}
	o2, err := d.NextOutgoing(ctx, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	o2.Queued = old.Queued
	if wait, err := d.Retry(ctx, o2, "421 busy"); err != nil || wait != 0 {
		t.Fatalf("retry of a week-old message = %v, %v", wait, err)
	}
	if m := messageOf(d.get(t, r.TicketID), o2.Message.ID); m.Delivery != ticket.DeliveryFailed || !strings.Contains(m.DeliveryDetail, "gave up after 1 try over 8 d") {
		t.Fatalf("week-old message = %+v", m)
	}
}

// durableStore is a store whose durability wait is counted, and fails
// while down is set.
type durableStore struct {
	ticket.Store
	waits int
	down  bool
}

func (s *durableStore) Durable(ctx context.Context) error {
	s.waits++
	if s.down {
		return fault.Unavailable(errors.New("WAIT: 0 of 1 replicas"))
	}
	return s.Store.Durable(ctx)
}

// The "sending" mark is durable before the send: on a failover to a
// replica that lacked it (issue 15's load proof found two acknowledgements
// sent twice so), the message would be found merely taken and sent again.
// A failed wait is an error, and nothing may be sent.
func TestSendingIsDurableBeforeTheSend(t *testing.T) {
	td := newTestDesk(t, "")
	ds := &durableStore{Store: td.store}
	d := New(ds, td.cfg, &Options{Redis: td.redis.Client, Logger: td.logger})
	ctx := context.Background()
	td.receive(t, newMail("s-1", "ann@example.org", "Hi")) // queues an acknowledgement
	o, err := d.NextOutgoing(ctx, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	before := ds.waits
	if err := d.Sending(ctx, o, "SMTP test"); err != nil {
		t.Fatal(err)
	}
	if ds.waits != before+1 {
		t.Fatalf("Sending waited for durability %d times, want once", ds.waits-before)
	}

	td.receive(t, newMail("s-2", "bob@example.org", "Hi"))
	o2, err := d.NextOutgoing(ctx, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	ds.down = true
	if err := d.Sending(ctx, o2, "SMTP test"); !fault.IsUnavailable(err) {
		t.Fatalf("Sending with the durability wait failing = %v, want an unavailable error", err)
	}
}

// A reply or note is answered (the API's 202/201) only once it is durable:
// with the durability wait failing, the caller hears an unavailable error
// (and retries with its idempotency key), never success.
func TestReplyAndNoteAreDurableBeforeDone(t *testing.T) {
	td := newTestDesk(t, "")
	ds := &durableStore{Store: td.store}
	d := New(ds, td.cfg, &Options{Redis: td.redis.Client, Logger: td.logger})
	ctx := context.Background()
	r := td.receive(t, newMail("d-1", "ann@example.org", "Where is my order?"))
	before := ds.waits
	if _, err := d.Reply(ctx, r.TicketID, Answer{Text: "On its way.", By: "bob"}); err != nil {
		t.Fatal(err)
	}
	if ds.waits == before {
		t.Fatal("a reply was answered without a durability wait")
	}
	ds.down = true
	if _, err := d.Reply(ctx, r.TicketID, Answer{Text: "Again.", By: "bob", Force: true}); !fault.IsUnavailable(err) {
		t.Fatalf("reply with the durability wait failing = %v, want an unavailable error", err)
	}
	if _, err := d.Note(ctx, r.TicketID, Answer{Text: "Called the carrier.", By: "bob"}); !fault.IsUnavailable(err) {
		t.Fatalf("note with the durability wait failing = %v, want an unavailable error", err)
	}
}
