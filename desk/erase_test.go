package desk

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"frontdesk/config"
	"frontdesk/fault"
	"frontdesk/internal/testredis"
	"frontdesk/ticket"
	"frontdesk/ticket/redisstore"
)

// TestForgetCustomer erases a customer who wrote by mail (acknowledged,
// answered, forwarded to a third party, discussed in a note) and by text,
// and then scans every key and value under the desk's prefix for their
// address, number, name, subject and words.
func TestForgetCustomer(t *testing.T) {
	d := newTestDesk(t, "")
	ctx := context.Background()
	nt := newMail("mail:zq1", "zelda.q@quorr.example", "Flamingo warranty")
	nt.Customer.Name = "Zelda Quorrimple"
	nt.Message.Text = "my xylophone cracked"
	nt.Message.Raw = []byte("From: Zelda Quorrimple <zelda.q@quorr.example>\r\nSubject: Flamingo warranty\r\n\r\nmy xylophone cracked\r\n")
	nt.Message.Attachments = []ticket.NewAttachment{{Filename: "xylophone.jpg", ContentType: "image/jpeg", Data: []byte("JPEG xylophone")}}
	r := d.receive(t, nt)
	tk := d.get(t, r.TicketID)
	if len(outbound(tk)) != 1 {
		t.Fatalf("no acknowledgement: %+v", tk.Messages)
	}
	if _, err := d.Note(ctx, r.TicketID, Answer{Text: "@bob Zelda's xylophone again", By: "ann"}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Reply(ctx, r.TicketID, Answer{Text: "Dear Zelda Quorrimple, about the xylophone", By: "ann"}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Forward(ctx, r.TicketID, Forwarding{To: []string{"repairs@vendor.example"}, Text: "xylophone repair?", MessageID: "m1", By: "ann"}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.LinkIdentity(ctx, tk.Customer.ID, ticket.Identity{Kind: ticket.IdentityPhone, Value: "+15550199876"}, "ann"); err != nil {
		t.Fatal(err)
	}
	d.receive(t, ticket.NewTicket{Channel: ticket.ChannelSMS, Queue: "support", Customer: ticket.Customer{Phone: "+15550199876"},
		ThreadKey: "sms:+15550199876:+15555550100", ThreadTTL: time.Hour,
		Message: ticket.NewMessage{SourceKey: "twilio:sms:SMz", Channel: ticket.ChannelSMS, From: "+15550199876",
			To: []string{"+15555550100"}, Text: "flamingo xylophone by text"}})
	other := d.receive(t, newMail("mail:bea", "bea@example.net", "Printer jam"))
	needles := []string{"zelda", "Quorrimple", "15550199876", "flamingo", "xylophone", "cracked"}
	if found, _ := testredis.Traces(ctx, d.redis.Client, d.redis.Prefix+"*", needles...); len(found) == 0 {
		t.Fatal("the scan finds nothing before erasure")
	}
	ackKeys, _ := testredis.Keys(ctx, d.redis.Client, d.redis.Prefix+":ack:*:addr:*")
	if len(ackKeys) != 2 {
		t.Fatalf("brake keys before: %v", ackKeys)
	}

	f, err := d.ForgetCustomer(ctx, "+1 (555) 019-9876", "dpo")
	if err != nil || len(f.Tickets) != 2 || f.Emails != 1 || f.Phones != 1 {
		t.Fatalf("forget: %+v %v", f, err)
	}
	found, err := testredis.Traces(ctx, d.redis.Client, d.redis.Prefix+"*", needles...)
	if err != nil || len(found) > 0 {
		t.Fatalf("traces left (%v):\n%s", err, strings.Join(found, "\n"))
	}
	if keys, _ := testredis.Keys(ctx, d.redis.Client, d.redis.Prefix+":ack:*:addr:*"); len(keys) != 1 {
		t.Errorf("brake keys after: %v, want bea's alone", keys)
	}
	for _, id := range f.Tickets {
		tk := d.get(t, id)
		if e := tk.Events[len(tk.Events)-1]; e.Type != "erased" || e.By != "dpo" || e.Detail != ErasedDetail {
			t.Errorf("ticket %s last event %+v", id, e)
		}
	}
	if d.get(t, other.TicketID).Subject != "Printer jam" {
		t.Error("another customer's ticket changed")
	}
	if _, err := d.ForgetCustomer(ctx, "zelda.q@quorr.example", "dpo"); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("forgetting again: %v", err)
	}
	// A new mail from the address is a new ticket of a new customer.
	r2 := d.receive(t, newMail("mail:zq2", "zelda.q@quorr.example", "Hello again"))
	if r2.TicketID == r.TicketID || !r2.Created || d.get(t, r2.TicketID).Customer.ID == tk.Customer.ID {
		t.Errorf("new mail after erasure: %+v", r2)
	}
}

type stepClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *stepClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *stepClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// TestSweepRetention runs the sweep on two instances: one erases the closed
// tickets past the retention, the other, at the same time, does nothing.
func TestSweepRetention(t *testing.T) {
	cfg, err := config.Parse([]byte(testConfig+"tickets: {retention: 30d}\n"), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	tr := testredis.New(t)
	cfg.Redis.Prefix = tr.Prefix
	clk := &stepClock{t: time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)}
	newDesk := func() *Desk {
		store := redisstore.New(tr.Client, &redisstore.Options{Prefix: tr.Prefix, Now: clk.now})
		return New(store, cfg, &Options{Redis: tr.Client, Logger: slog.New(slog.DiscardHandler), Now: clk.now})
	}
	a, b := newDesk(), newDesk()
	ctx := context.Background()
	var closed []string
	for i := range 5 {
		r, err := a.Receive(ctx, newMail("mail:old"+string(rune('a'+i)), "old@example.net", "Old"))
		if err != nil {
			t.Fatal(err)
		}
		if i < 4 {
			if err := a.SetStatus(ctx, r.TicketID, ticket.StatusClosed, "ann"); err != nil {
				t.Fatal(err)
			}
			closed = append(closed, r.TicketID)
		}
	}
	clk.add(31 * 24 * time.Hour)
	fresh, _ := a.Receive(ctx, newMail("mail:fresh", "new@example.net", "Fresh"))
	_ = a.SetStatus(ctx, fresh.TicketID, ticket.StatusClosed, "ann")
	n, err := a.SweepRetention(ctx, "a", time.Hour)
	if err != nil || n != len(closed) {
		t.Fatalf("sweep: %d %v, want %d", n, err, len(closed))
	}
	if n, err := b.SweepRetention(ctx, "b", time.Hour); err != nil || n != 0 {
		t.Fatalf("second instance in the same hour: %d %v", n, err)
	}
	for _, id := range closed {
		if _, err := a.Store().Get(ctx, id); !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("ticket %s: %v", id, err)
		}
	}
	if _, err := a.Store().Get(ctx, fresh.TicketID); err != nil {
		t.Errorf("the fresh closed ticket: %v", err)
	}
}
