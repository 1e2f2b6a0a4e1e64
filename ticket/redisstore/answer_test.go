package redisstore

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"frontdesk/fault"
	"frontdesk/ticket"
)

// Who has a ticket open: each viewer counts until their time runs out, by
// Redis's clock; an empty user only reads; an unknown ticket is not found.
func TestViewing(t *testing.T) {
	s, _, _ := newTestStore(t)
	ctx := context.Background()
	id := mustCreate(t, s, mail("view:1", "ann@example.org", "Lamp")).TicketID
	if got, err := s.Viewing(ctx, id, "", time.Minute); err != nil || len(got.Viewers) != 0 || got.Assignee != "" {
		t.Fatalf("viewers of a fresh ticket: %+v, %v", got, err)
	}
	if _, err := s.Viewing(ctx, id, "sam", time.Second); err != nil {
		t.Fatal(err)
	}
	if err := s.Assign(ctx, id, "sam", "sam"); err != nil {
		t.Fatal(err)
	}
	got, err := s.Viewing(ctx, id, "bob", time.Minute)
	if err != nil || !slices.Equal(got.Viewers, []string{"bob", "sam"}) || got.Assignee != "sam" {
		t.Fatalf("presence = %+v, %v; want bob and sam viewing, sam holding", got, err)
	}
	// sam stops pinging: gone once his second is over.
	deadline := time.Now().Add(5 * time.Second)
	for {
		got, err = s.Viewing(ctx, id, "", time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if slices.Equal(got.Viewers, []string{"bob"}) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("viewers after sam's time ran out: %v, want bob alone", got)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if _, err := s.Viewing(ctx, "999", "sam", time.Minute); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("viewing an unknown ticket: %v, want not found", err)
	}
	if _, err := s.Viewing(ctx, id, "sam", 0); !errors.Is(err, fault.ErrInvalid) {
		t.Errorf("viewing for 0s: %v, want invalid", err)
	}
}

// Canned replies are one versioned record: each store is the next version,
// and a store based on a version no longer current is refused.
func TestCannedReplies(t *testing.T) {
	s, _, _ := newTestStore(t)
	ctx := context.Background()
	set, err := s.CannedReplies(ctx)
	if err != nil || set.Version != 0 || set.Replies == nil || len(set.Replies) != 0 {
		t.Fatalf("canned replies before any: %+v, %v", set, err)
	}
	one := []ticket.CannedReply{{Name: "Thanks", Text: "Thank you, {{.CustomerName}}."}}
	if n, err := s.ReplaceCanned(ctx, one, "max", 0); err != nil || n != 1 {
		t.Fatalf("first store: %d, %v", n, err)
	}
	two := append(one, ticket.CannedReply{Name: "Refund", Queue: "billing", Text: "Refunded."})
	if _, err := s.ReplaceCanned(ctx, two, "eve", 0); !errors.Is(err, fault.ErrConflict) {
		t.Fatalf("store based on version 0 after version 1: %v, want a conflict", err)
	}
	if n, err := s.ReplaceCanned(ctx, two, "eve", -1); err != nil || n != 2 {
		t.Fatalf("store without a version: %d, %v", n, err)
	}
	set, err = s.CannedReplies(ctx)
	if err != nil || set.Version != 2 || set.By != "eve" || !slices.Equal(set.Replies, two) || set.At.IsZero() {
		t.Fatalf("canned replies = %+v, %v; want version 2 by eve", set, err)
	}
}

// A forward's recipients are remembered on the ticket: their answer lands
// on it but never becomes the customer's address, where a new address of
// the customer's own would.
func TestForwardRecipientIsNotTheCustomer(t *testing.T) {
	s, _, _ := newTestStore(t)
	ctx := context.Background()
	rc := mustCreate(t, s, ticket.NewTicket{
		Channel: ticket.ChannelVoice, Queue: "phone", Subject: "Voicemail",
		Customer: ticket.Customer{Phone: "+15555550123"},
		Message:  ticket.NewMessage{SourceKey: "call:1", Kind: ticket.KindVoicemail, From: "+15555550123"},
	})
	_, err := s.AppendMessage(ctx, rc.TicketID, ticket.NewMessage{
		SourceKey: "forward:1", Direction: ticket.DirectionOut, Channel: ticket.ChannelEmail, Kind: ticket.KindForward,
		From: "support@example.com", To: []string{"Carrier <Claims@Carrier.example>"}, Subject: "Fwd: Voicemail",
		MessageID: "<fd.fwd@example.com>", Delivery: ticket.DeliveryQueued, By: "ann", Author: "ann",
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AppendMessage(ctx, rc.TicketID, ticket.NewMessage{
		SourceKey: "answer:1", From: "claims@carrier.example", Subject: "Re: Fwd: Voicemail", Text: "Claim filed.",
		InReplyTo: "<fd.fwd@example.com>",
	}); err != nil {
		t.Fatal(err)
	}
	tk, err := s.Get(ctx, rc.TicketID)
	if err != nil {
		t.Fatal(err)
	}
	if tk.Customer.Email != "" {
		t.Errorf("the carrier's answer made %q the customer's address", tk.Customer.Email)
	}
	if tk.FirstResponseAt != nil {
		t.Errorf("a forward counted as the first response at %v", tk.FirstResponseAt)
	}
	if ev := tk.Events[len(tk.Events)-2]; ev.Detail != "forward to Carrier <Claims@Carrier.example>" {
		t.Errorf("the forward's event says %q", ev.Detail)
	}
	// The customer writing in from a new address still links it.
	if _, err := s.AppendMessage(ctx, rc.TicketID, ticket.NewMessage{SourceKey: "answer:2", From: "bob@example.org", Text: "Me again."}); err != nil {
		t.Fatal(err)
	}
	if tk, _ = s.Get(ctx, rc.TicketID); tk.Customer.Email != "bob@example.org" {
		t.Errorf("the customer's own new address was not linked: %+v", tk.Customer)
	}
}
