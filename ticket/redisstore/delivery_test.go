package redisstore

import (
	"bytes"
	"context"
	"errors"
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
	if err := s.SetDelivery(ctx, id, mid, ticket.DeliveryFailed, "550 5.1.1 user unknown", "intake:support"); err != nil {
		t.Fatal(err)
	}
	tk, _ := s.Get(ctx, id)
	m := tk.Messages[1]
	if m.Delivery != ticket.DeliveryFailed || m.DeliveryDetail != "550 5.1.1 user unknown" {
		t.Fatalf("message after failure = %+v", m)
	}
	if e := tk.Events[len(tk.Events)-1]; e.Type != "delivery" || e.Detail != "m2 failed: 550 5.1.1 user unknown" {
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

// The outbox lists queued outbound messages until their delivery is settled.
func TestOutbox(t *testing.T) {
	s, _, clk := newTestStore(t)
	ctx := context.Background()
	id := mustCreate(t, s, mail("src-1", "ann@example.org", "Hi")).TicketID
	r, err := s.AppendMessage(ctx, id, ticket.NewMessage{SourceKey: "out-1", Direction: ticket.DirectionOut, Text: "Answer",
		Delivery: ticket.DeliveryQueued})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AppendMessage(ctx, id, ticket.NewMessage{SourceKey: "note", Direction: ticket.DirectionOut, Text: "sent elsewhere",
		Delivery: ticket.DeliverySent}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Minute)
	refs, err := s.Outbox(ctx, clk.Now(), 10)
	if err != nil || len(refs) != 1 || refs[0].TicketID != id || refs[0].MessageID != r.MessageID {
		t.Fatalf("outbox = %+v, %v", refs, err)
	}
	if refs, _ := s.Outbox(ctx, clk.Now().Add(-2*time.Minute), 10); len(refs) != 0 {
		t.Fatalf("outbox before the message was queued = %+v", refs)
	}
	if err := s.SetDelivery(ctx, id, r.MessageID, ticket.DeliverySent, "250 ok", "responder"); err != nil {
		t.Fatal(err)
	}
	if refs, _ := s.Outbox(ctx, clk.Now(), 10); len(refs) != 0 {
		t.Fatalf("a sent message stays in the outbox: %+v", refs)
	}
}

// Of two workers holding one queued message, only the first may send it.
func TestClaimDeliveryOnce(t *testing.T) {
	s, _, _ := newTestStore(t)
	ctx := context.Background()
	id := mustCreate(t, s, mail("src-1", "ann@example.org", "Hi")).TicketID
	r, err := s.AppendMessage(ctx, id, ticket.NewMessage{SourceKey: "out-1", Direction: ticket.DirectionOut, Text: "x",
		Delivery: ticket.DeliveryQueued})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ClaimDelivery(ctx, id, r.MessageID, "handed over", "w1"); err != nil {
		t.Fatalf("first claim: %v", err)
	}
	if err := s.ClaimDelivery(ctx, id, r.MessageID, "handed over", "w2"); !errors.Is(err, fault.ErrConflict) {
		t.Fatalf("second claim: %v, want conflict", err)
	}
	if err := s.SetDelivery(ctx, id, r.MessageID, ticket.DeliveryQueued, "retry", "w1"); err != nil {
		t.Fatal(err)
	}
	if err := s.ClaimDelivery(ctx, id, r.MessageID, "handed over", "w2"); err != nil {
		t.Fatalf("claim after requeue: %v", err)
	}
}
