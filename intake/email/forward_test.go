package email

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"frontdesk/config"
	"frontdesk/desk"
	"frontdesk/ticket"
	"frontdesk/ticket/redisstore"
)

// A voicemail forwarded to a third party: their answer, which quotes the
// forward's Message-ID, lands on the ticket and reopens it, but their
// address does not become the caller's; a mail from them that threads by
// the subject tag alone lands there too, as they are on the ticket.
func TestForwardAnswerThreadsBack(t *testing.T) {
	cfg, err := config.Parse([]byte(testConfig+"smtp: {host: smtp.example.com}\n"), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { rdb.Close() })
	store := redisstore.New(rdb, nil)
	d := desk.New(store, cfg, &desk.Options{Now: func() time.Time { return time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC) }})
	im := NewImporter(d, nil)
	ctx := context.Background()

	rc, err := d.Receive(ctx, ticket.NewTicket{Channel: ticket.ChannelVoice, Queue: "support", Subject: "Voicemail from +15555550123",
		Customer: ticket.Customer{Phone: "+15555550123"},
		Message: ticket.NewMessage{SourceKey: "call:1", Channel: ticket.ChannelVoice, Kind: ticket.KindVoicemail,
			From: "+15555550123", Text: "My parcel never came."}})
	if err != nil {
		t.Fatal(err)
	}
	fw, err := d.Forward(ctx, rc.TicketID, desk.Forwarding{To: []string{"Claims <claims@carrier.example>"}, MessageID: "m1", By: "bob"})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.SetStatus(ctx, rc.TicketID, ticket.StatusPending, "bob"); err != nil {
		t.Fatal(err)
	}
	deliver(t, im, msg("From: Claims <claims@carrier.example>\nSubject: Re: Fwd: Voicemail [#"+rc.TicketID+"]\nMessage-ID: <c1@carrier.example>\nIn-Reply-To: "+fw.MessageID, "Claim 77 filed."))
	deliver(t, im, msg("From: claims@carrier.example\nSubject: Claim 77 update [#"+rc.TicketID+"]\nMessage-ID: <c2@carrier.example>", "Paid out."))
	ts := allTickets(t, store)
	if len(ts) != 1 {
		t.Fatalf("%d tickets, want the answers on ticket %s", len(ts), rc.TicketID)
	}
	tk := ts[0]
	if n := len(tk.Messages); n != 4 || !strings.Contains(tk.Messages[2].Text, "Claim 77 filed.") || !strings.Contains(tk.Messages[3].Text, "Paid out.") {
		t.Fatalf("messages %+v, want the voicemail, the forward and both answers", tk.Messages)
	}
	if tk.Status != ticket.StatusNew {
		t.Errorf("status %s after the carrier's answer, want it back in the queue", tk.Status)
	}
	if tk.Customer.Email != "" || tk.Customer.Phone != "+15555550123" {
		t.Errorf("customer %+v: the carrier's address became the caller's", tk.Customer)
	}
}
