package email

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"frontdesk/config"
	"frontdesk/desk"
	"frontdesk/intake/imappoll"
	"frontdesk/intake/mailparse"
	"frontdesk/ticket"
	"frontdesk/ticket/redisstore"
)

// failingAcks is a store whose acknowledgements fail for good.
type failingAcks struct{ *redisstore.Store }

func (s failingAcks) AppendMessage(ctx context.Context, id string, nm ticket.NewMessage) (ticket.Receipt, error) {
	if strings.HasPrefix(nm.SourceKey, "ack:") {
		return ticket.Receipt{}, errors.New("acknowledgement refused")
	}
	return s.Store.AppendMessage(ctx, id, nm)
}

// A delivered mail is filed under its recipient: a mailbox's address under
// the mailbox (IMAP's source key), a queue's under the queue. When what
// follows storing fails for good, the mail is stored once all the same, not
// again as it is.
func TestDeliver(t *testing.T) {
	cfg, err := config.Parse([]byte(testConfig+`
  - {name: sales, address: sales@example.com, auto_ack: true}
smtp: {host: smtp.example.com}
`), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { rdb.Close() })
	store := redisstore.New(rdb, nil)
	im := NewImporter(desk.New(failingAcks{store}, cfg, &desk.Options{Redis: rdb}), nil)
	ctx := context.Background()

	for _, c := range []struct {
		addr string
		want Recipient
		ok   bool
	}{
		{"support@example.com", Recipient{Mailbox: "support"}, true},
		{"SALES+orders@Example.com", Recipient{Queue: "sales"}, true},
		{"+sales@example.com", Recipient{}, false},
		{"stranger@example.com", Recipient{}, false},
		{"", Recipient{}, false},
	} {
		if got, ok := ResolveRecipient(cfg, c.addr); got != c.want || ok != c.ok {
			t.Errorf("ResolveRecipient(%q) = %+v, %v; want %+v, %v", c.addr, got, ok, c.want, c.ok)
		}
	}

	raw := []byte(msg("From: Ann <ann@example.org>\nSubject: Quote\nMessage-ID: <q1@example.org>", "A quote, please."))
	for range 2 {
		if err := im.Deliver(ctx, Recipient{Queue: "sales"}, raw, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if err := im.Deliver(ctx, Recipient{Mailbox: "support"}, raw, time.Now()); err != nil {
		t.Fatal(err)
	}
	ts := allTickets(t, store)
	if len(ts) != 2 {
		t.Fatalf("%d tickets, want 2 (sales once despite its failing acknowledgement, support)", len(ts))
	}
	if ts[0].Queue != "sales" || ts[0].Mailbox != "" || ts[0].Subject != "Quote" || len(ts[0].Messages) != 1 {
		t.Errorf("sales ticket %+v", ts[0])
	}
	p, err := mailparse.Parse(raw, nil)
	if err != nil {
		t.Fatal(err)
	}
	key := sourceKey("queue:sales", imappoll.Mail{Raw: raw}, p)
	if _, err := store.FindSource(ctx, key); err != nil || !strings.HasPrefix(key, "mail:queue:sales:<q1@example.org>:") {
		t.Errorf("queue source key %s: %v", key, err)
	}
	// A mail that is not one is stored as it is, not refused.
	if err := im.Deliver(ctx, Recipient{Mailbox: "support"}, []byte("\r\n"), time.Now()); err != nil {
		t.Fatal(err)
	}
	ts = allTickets(t, store)
	if len(ts) != 3 || ts[2].Subject != "A mail to support could not be imported" ||
		len(ts[2].Messages[0].Warnings) != 1 || !strings.HasPrefix(ts[2].Messages[0].Warnings[0], "import failed: ") {
		t.Errorf("%d tickets, the last %+v", len(ts), ts[len(ts)-1])
	}
	if err := im.Deliver(ctx, Recipient{Queue: "nope"}, raw, time.Now()); err == nil {
		t.Error("delivered to a queue that is not configured")
	}
}

// A delivered mail larger than its mailbox's max_message_size is kept as
// the mailbox's poller keeps such a mail: its header, not its body, under
// the oversized source key; a redelivery is stored once.
func TestDeliverOversized(t *testing.T) {
	cfg, err := config.Parse([]byte(strings.Replace(testConfig, "queue: support}", "queue: support, max_message_size: 1KB}", 1)),
		func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { rdb.Close() })
	store := redisstore.New(rdb, nil)
	im := NewImporter(desk.New(store, cfg, nil), nil)
	ctx := context.Background()

	raw := []byte(msg("From: Ann <ann@example.org>\nSubject: Scans\nMessage-ID: <big@example.org>", strings.Repeat("scan ", 1000)))
	for range 2 {
		if err := im.Deliver(ctx, Recipient{Mailbox: "support"}, raw, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	ts := allTickets(t, store)
	if len(ts) != 1 || len(ts[0].Messages) != 1 {
		t.Fatalf("%d tickets, want 1 with 1 message: %+v", len(ts), ts)
	}
	if m := ts[0].Messages[0]; strings.Contains(m.Text, "scan scan") || ts[0].Subject != "Scans" {
		t.Errorf("oversized mail stored with its body: subject %q, text %.40q", ts[0].Subject, m.Text)
	}
	key := sourceKey("support", imappoll.Mail{Oversized: true, Header: headerOf(raw), Size: int64(len(raw))}, nil)
	if _, err := store.FindSource(ctx, key); err != nil {
		t.Errorf("oversized source key %s: %v", key, err)
	}
}

// A fetched mail whose acknowledgement fails for good is stored once: at
// the last attempt it is found stored, not stored again as it is.
func TestHandleStoredButAckFailsStoredOnce(t *testing.T) {
	cfg, err := config.Parse([]byte(strings.Replace(testConfig, "first_response: 4h}", "first_response: 4h, auto_ack: true}", 1)+
		"smtp: {host: smtp.example.com}\n"), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { rdb.Close() })
	store := redisstore.New(rdb, nil)
	im := NewImporter(desk.New(failingAcks{store}, cfg, &desk.Options{Redis: rdb}), nil)

	raw := []byte(msg("From: Ann <ann@example.org>\nSubject: Lamp\nMessage-ID: <lamp@example.org>", "It arrived broken."))
	for attempt := 1; attempt <= maxAttempts; attempt++ {
		err := im.Handle(context.Background(), imappoll.Mail{Mailbox: "support", UIDValidity: 1, UID: 9,
			Size: int64(len(raw)), Raw: raw, Attempt: attempt, Received: time.Now()})
		if (err == nil) != (attempt == maxAttempts) {
			t.Fatalf("attempt %d: %v", attempt, err)
		}
	}
	if ts := allTickets(t, store); len(ts) != 1 || ts[0].Subject != "Lamp" {
		t.Fatalf("%d tickets, want the mail's one: %+v", len(ts), ts)
	}
}
