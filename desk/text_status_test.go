package desk

import (
	"context"
	"testing"
	"time"

	"frontdesk/ticket"
)

// Twilio's report that a text was delivered is recorded once, however often
// it comes, and nothing after it undoes it; mail and unknown messages are
// left alone.
func TestTextDelivery(t *testing.T) {
	d := newTestDesk(t, "")
	ctx := context.Background()
	r := d.receive(t, newMail("t-1", "ann@example.org", "Hi"))
	m, err := d.store.AppendMessage(ctx, r.TicketID, ticket.NewMessage{SourceKey: "sms-out", Direction: ticket.DirectionOut,
		Channel: ticket.ChannelSMS, From: "+31201234567", To: []string{"+15555550123"}, Text: "On its way", Delivery: ticket.DeliverySent})
	if err != nil {
		t.Fatal(err)
	}
	events := func() int { return d.events(t, r.TicketID, "delivery") }
	before := events()
	for range 2 {
		if err := d.TextDelivery(ctx, r.TicketID, m.MessageID, ticket.DeliveryDelivered, "the phone company delivered it"); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.TextDelivery(ctx, r.TicketID, m.MessageID, ticket.DeliveryFailed, "late failure"); err != nil {
		t.Fatal(err)
	}
	got := messageOf(d.get(t, r.TicketID), m.MessageID)
	if got.Delivery != ticket.DeliveryDelivered || events() != before+1 {
		t.Errorf("text is %s (%s) with %d new delivery events, want delivered once", got.Delivery, got.DeliveryDetail, events()-before)
	}
	for _, ref := range [][2]string{{r.TicketID, "m1"}, {r.TicketID, "m99"}, {"999999", "m1"}} {
		if err := d.TextDelivery(ctx, ref[0], ref[1], ticket.DeliveryFailed, "x"); err != nil {
			t.Errorf("report on %v: %v", ref, err)
		}
	}
	if in := messageOf(d.get(t, r.TicketID), "m1"); in.Delivery != "" {
		t.Errorf("the customer's mail got a delivery state: %s", in.Delivery)
	}
}

// Twilio's report on a text whose ticket was merged since lands on the
// ticket left, as a fax's or a bounce's does: the merged ticket keeps no
// messages, so a report looked up there only would be lost.
func TestTextDeliveryAfterMerge(t *testing.T) {
	d := newTestDesk(t, "")
	ctx := context.Background()
	src := d.receive(t, newMail("t-1", "ann@example.org", "Hi"))
	into := d.receive(t, newMail("t-2", "bob@example.org", "Hello"))
	m, err := d.store.AppendMessage(ctx, src.TicketID, ticket.NewMessage{SourceKey: "sms-out", Direction: ticket.DirectionOut,
		Channel: ticket.ChannelSMS, From: "+31201234567", To: []string{"+15555550123"}, Text: "On its way", Delivery: ticket.DeliverySent})
	if err != nil {
		t.Fatal(err)
	}
	for { // whatever was queued (the acknowledgement) has gone
		o, err := d.NextOutgoing(ctx, time.Minute)
		if err != nil {
			break
		}
		if err := d.Sent(ctx, o, "accepted"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := d.Merge(ctx, src.TicketID, into.TicketID, "ann"); err != nil {
		t.Fatal(err)
	}
	if err := d.TextDelivery(ctx, src.TicketID, m.MessageID, ticket.DeliveryDelivered, "the phone company delivered it"); err != nil {
		t.Fatal(err)
	}
	for _, got := range d.get(t, into.TicketID).Messages {
		if got.Channel == ticket.ChannelSMS && got.Direction == ticket.DirectionOut {
			if got.Delivery != ticket.DeliveryDelivered {
				t.Errorf("moved text is %s (%s), want delivered", got.Delivery, got.DeliveryDetail)
			}
			return
		}
	}
	t.Fatal("the text did not move with the merge")
}
