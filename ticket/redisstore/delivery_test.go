package redisstore

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"frontdesk/fault"
	"frontdesk/ticket"
)

func TestDeliveryStateAndFindMessage(t *testing.T) {
	s, _, _ := newTestStore(t)
	ctx := context.Background()
	id := mustCreate(t, s, mail("src-1", "ann@example.org", "Hi")).TicketID
	r, err := s.AppendMessage(ctx, id, ticket.NewMessage{SourceKey: "out-1", Direction: ticket.DirectionOut,
		Text: "Answer", MessageID: "<fd.1@desk.example.com>", Delivery: ticket.DeliveryQueued})
	if err != nil {
		t.Fatal(err)
	}
	tid, mid, err := s.FindMessage(ctx, "<nope@x>", "<fd.1@desk.example.com>")
	if err != nil || tid != id || mid != r.MessageID {
		t.Fatalf("find message = %q %q %v, want %s %s", tid, mid, err, id, r.MessageID)
	}
	known, err := s.KnownMessageIDs(ctx, "<nope@x>", "", "fd.1@desk.example.com", "<src-1@example.org>")
	if err != nil || len(known) != 4 || known[0] || known[1] || !known[2] || !known[3] {
		t.Fatalf("known message ids = %v %v, want [false false true true]", known, err)
	}
	if err := s.SetDelivery(ctx, id, mid, ticket.DeliveryFailed, "550 5.1.1 user unknown", "intake:support"); err != nil {
		t.Fatal(err)
	}
	tk, _ := s.Get(ctx, id)
	m := tk.Messages[1]
	if m.Delivery != ticket.DeliveryFailed || m.DeliveryDetail != "550 5.1.1 user unknown" {
		t.Fatalf("message after failure = %+v", m)
	}
	if e := tk.Events[len(tk.Events)-1]; e.Type != "delivery" || e.Detail != "reply: failed (550 5.1.1 user unknown)" {
		t.Fatalf("last event = %+v", e)
	}
	for _, bad := range []struct{ ticket, msg string }{{id, "m9"}, {id, "x1"}, {"4444", "m1"}} {
		if err := s.SetDelivery(ctx, bad.ticket, bad.msg, ticket.DeliverySent, "", "x"); !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("set delivery on %v: %v, want not found", bad, err)
		}
	}
	if err := s.SetDelivery(ctx, id, mid, "lost", "", "x"); !errors.Is(err, fault.ErrInvalid) {
		t.Errorf("bad state: %v", err)
	}
}

func TestRawMessageAndTicketWithoutCustomer(t *testing.T) {
	s, _, _ := newTestStore(t)
	ctx := context.Background()
	raw := []byte("Subject: no sender\r\n\r\nwho am I?\r\n")
	nt := ticket.NewTicket{Channel: ticket.ChannelEmail, Queue: "support", Subject: "no sender",
		Customer: ticket.Customer{Name: "Mystery"},
		Message:  ticket.NewMessage{SourceKey: "nosender", Text: "who am I?", Raw: raw}}
	r := mustCreate(t, s, nt)
	tk := assertWhole(t, s, r.TicketID)
	if tk.Customer.ID != "" || tk.Customer.Name != "Mystery" {
		t.Fatalf("customer = %+v", tk.Customer)
	}
	m := tk.Messages[0]
	if m.RawID == "" || len(m.Attachments) != 0 {
		t.Fatalf("raw id %q, attachments %+v", m.RawID, m.Attachments)
	}
	a, data, err := s.Attachment(ctx, r.TicketID, m.RawID)
	if err != nil || !bytes.Equal(data, raw) || a.ContentType != "message/rfc822" {
		t.Fatalf("raw = %+v %q %v", a, data, err)
	}
}

func TestSecretIsSharedAndStable(t *testing.T) {
	s, tr, _ := newTestStore(t)
	a, err := s.Secret(context.Background())
	if err != nil || len(a) != 32 {
		t.Fatalf("secret = %x, %v", a, err)
	}
	other := New(tr.Client, &Options{Prefix: tr.Prefix})
	b, _ := other.Secret(context.Background())
	if !bytes.Equal(a, b) {
		t.Fatal("two stores on one Redis got different secrets")
	}
}

// queuedReply appends an outbound reply, queued for delivery, to a new
// ticket and returns the ticket's and the reply's ids.
func queuedReply(t *testing.T, s *Store, src string) (string, string) {
	t.Helper()
	id := mustCreate(t, s, mail(src, "ann@example.org", "Hi")).TicketID
	r, err := s.AppendMessage(context.Background(), id, ticket.NewMessage{SourceKey: "out-" + src, Direction: ticket.DirectionOut,
		To: []string{"ann@example.org"}, Text: "Answer", Delivery: ticket.DeliveryQueued, Author: "bob", By: "bob"})
	if err != nil {
		t.Fatal(err)
	}
	return id, r.MessageID
}

func deliveryOf(t *testing.T, s *Store, id, mid string) ticket.Message {
	t.Helper()
	tk, err := s.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return *messageOf(tk, mid)
}

// A queued message is taken once, sent once, and leaves the outbox.
func TestOutboxTakeSendSettle(t *testing.T) {
	s, _, _ := newTestStore(t)
	ctx := context.Background()
	id, mid := queuedReply(t, s, "src-1")
	if _, err := s.AppendMessage(ctx, id, ticket.NewMessage{SourceKey: "elsewhere", Direction: ticket.DirectionOut, Text: "sent elsewhere",
		Delivery: ticket.DeliverySent}); err != nil {
		t.Fatal(err)
	}
	o, err := s.TakeOutbound(ctx, time.Minute)
	if err != nil || o.TicketID != id || o.MessageID != mid || o.Attempt != 1 || o.Hold == "" || o.Queued.IsZero() {
		t.Fatalf("take = %+v, %v", o, err)
	}
	if again, err := s.TakeOutbound(ctx, time.Minute); !errors.Is(err, fault.ErrNotFound) {
		t.Fatalf("a held message was taken again: %+v, %v", again, err)
	}
	if err := s.SettleOutbound(ctx, o, ticket.Settlement{Delivery: ticket.DeliverySending, Detail: "handing to smtp.example.com", By: "responder"}); err != nil {
		t.Fatal(err)
	}
	if m := deliveryOf(t, s, id, mid); m.Delivery != ticket.DeliverySending {
		t.Fatalf("while sending: %+v", m)
	}
	if err := s.SettleOutbound(ctx, o, ticket.Settlement{Delivery: ticket.DeliverySent, Detail: "accepted by smtp.example.com", By: "responder"}); err != nil {
		t.Fatal(err)
	}
	m := deliveryOf(t, s, id, mid)
	if m.Delivery != ticket.DeliverySent || m.DeliveryDetail != "accepted by smtp.example.com" || m.Author != "bob" {
		t.Fatalf("after the send: %+v", m)
	}
	tk, _ := s.Get(ctx, id)
	last := tk.Events[len(tk.Events)-1]
	if last.Detail != "reply to ann@example.org: sent (accepted by smtp.example.com)" {
		t.Fatalf("last event = %+v", last)
	}
	if n, _ := s.rdb.ZCard(ctx, s.key("outbox")).Result(); n != 0 {
		t.Fatalf("outbox holds %d entries after the send", n)
	}
	// A hold that has settled can do nothing more.
	if err := s.SettleOutbound(ctx, o, ticket.Settlement{Delivery: ticket.DeliveryQueued, By: "responder"}); !errors.Is(err, fault.ErrConflict) {
		t.Fatalf("settle after settling: %v, want conflict", err)
	}
}

// Of two workers holding one message (the first one's lease ran out before it
// began to send), only the one holding it now may send it.
func TestOutboxOnlyTheHolderSends(t *testing.T) {
	s, _, _ := newTestStore(t)
	ctx := context.Background()
	_, mid := queuedReply(t, s, "src-1")
	first, err := s.TakeOutbound(ctx, 50*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(150 * time.Millisecond)
	second, err := s.TakeOutbound(ctx, time.Minute)
	if err != nil || second.MessageID != mid || second.Attempt != 2 {
		t.Fatalf("second take = %+v, %v", second, err)
	}
	if err := s.SettleOutbound(ctx, first, ticket.Settlement{Delivery: ticket.DeliverySending, By: "w1"}); !errors.Is(err, fault.ErrConflict) {
		t.Fatalf("the first worker may still send: %v", err)
	}
	if err := s.SettleOutbound(ctx, second, ticket.Settlement{Delivery: ticket.DeliverySending, By: "w2"}); err != nil {
		t.Fatalf("the holder may not send: %v", err)
	}
}

// A worker that stops in the middle of a send leaves the message unknown:
// never sent again by itself. If it comes back with the server's answer, the
// answer is kept.
func TestOutboxSendCutOffIsUnknown(t *testing.T) {
	s, _, _ := newTestStore(t)
	ctx := context.Background()
	id, mid := queuedReply(t, s, "src-1")
	o, err := s.TakeOutbound(ctx, 50*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SettleOutbound(ctx, o, ticket.Settlement{Delivery: ticket.DeliverySending, By: "w1"}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(150 * time.Millisecond)
	if again, err := s.TakeOutbound(ctx, time.Minute); !errors.Is(err, fault.ErrNotFound) {
		t.Fatalf("a message cut off while sending was taken again: %+v, %v", again, err)
	}
	m := deliveryOf(t, s, id, mid)
	if m.Delivery != ticket.DeliveryUnknown || !strings.Contains(m.DeliveryDetail, "may or may not have arrived") {
		t.Fatalf("after the cut: %+v", m)
	}
	if err := s.SettleOutbound(ctx, o, ticket.Settlement{Delivery: ticket.DeliverySent, Detail: "accepted late", By: "w1"}); err != nil {
		t.Fatalf("the late answer of the worker that sent it: %v", err)
	}
	if m := deliveryOf(t, s, id, mid); m.Delivery != ticket.DeliverySent {
		t.Fatalf("after the late answer: %+v", m)
	}
}

// A temporary failure puts the message back, due after the delay.
func TestOutboxRetryLater(t *testing.T) {
	s, _, _ := newTestStore(t)
	ctx := context.Background()
	id, mid := queuedReply(t, s, "src-1")
	o, err := s.TakeOutbound(ctx, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SettleOutbound(ctx, o, ticket.Settlement{Delivery: ticket.DeliveryQueued, Detail: "421 try later", RetryIn: 200 * time.Millisecond, By: "w1"}); err != nil {
		t.Fatal(err)
	}
	if m := deliveryOf(t, s, id, mid); m.Delivery != ticket.DeliveryQueued || m.DeliveryDetail != "421 try later" {
		t.Fatalf("after a temporary failure: %+v", m)
	}
	if early, err := s.TakeOutbound(ctx, time.Minute); !errors.Is(err, fault.ErrNotFound) {
		t.Fatalf("taken before its retry was due: %+v, %v", early, err)
	}
	time.Sleep(300 * time.Millisecond)
	o2, err := s.TakeOutbound(ctx, time.Minute)
	if err != nil || o2.MessageID != mid || o2.Attempt != 2 || !o2.Queued.Equal(o.Queued) {
		t.Fatalf("retry = %+v, %v (first %+v)", o2, err, o)
	}
}

// A message the world settled (a bounce) leaves the outbox, and the worker
// that then holds it can no longer send it.
func TestOutboxSettledByTheWorld(t *testing.T) {
	s, _, _ := newTestStore(t)
	ctx := context.Background()
	id, mid := queuedReply(t, s, "src-1")
	if err := s.SetDelivery(ctx, id, mid, ticket.DeliveryFailed, "refused by an operator", "ann"); err != nil {
		t.Fatal(err)
	}
	if o, err := s.TakeOutbound(ctx, time.Minute); !errors.Is(err, fault.ErrNotFound) {
		t.Fatalf("a failed message was taken: %+v, %v", o, err)
	}
	if err := s.SetDelivery(ctx, id, mid, ticket.DeliveryQueued, "send again", "ann"); err != nil {
		t.Fatal(err)
	}
	if o, err := s.TakeOutbound(ctx, time.Minute); err != nil || o.MessageID != mid {
		t.Fatalf("a message queued again was not taken: %+v, %v", o, err)
	}
}
