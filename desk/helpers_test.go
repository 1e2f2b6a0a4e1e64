package desk

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"frontdesk/config"
	"frontdesk/internal/testredis"
	"frontdesk/routing/assign"
	"frontdesk/routing/rulestore"
	"frontdesk/ticket"
	"frontdesk/ticket/redisstore"
)

const testConfig = `
redis: {url: "redis://127.0.0.1:6379/0"}
http: {public_url: "https://desk.example.com"}
mailboxes:
  - {name: support, host: imap.example.com, username: support@example.com, password: p, address: "Mailbox <mailbox@example.com>"}
smtp: {host: 127.0.0.1, port: 2525, security: none, from: "Desk <desk@example.com>"}
twilio: {account_sid: AC0123456789abcdef0123456789abcdef, auth_token: t, numbers: [{number: "+15555550100", queue: support}]}
queues:
  - {name: support, address: "Support <support@example.com>", auto_ack: true, first_response: 4h}
  - {name: billing, first_response: 8h}
  - {name: vip}
teams:
  - {name: billing-team, members: [ann, bob]}
`

const testRules = `{"rules": [
 {"name": "Spam", "conditions": [{"field": "subject", "op": "contains", "value": "cheap pills"}], "actions": [{"type": "spam"}]},
 {"name": "VIP", "stop": false, "conditions": [{"field": "from_domain", "op": "equals", "value": "bigcorp.example"}],
  "actions": [{"type": "set_priority", "value": "high"}, {"type": "add_tags", "value": ["vip"]}]},
 {"name": "Invoices", "match": "any", "conditions": [{"field": "subject", "op": "contains", "value": "invoice"}],
  "actions": [{"type": "set_queue", "value": "billing"}, {"type": "assign", "team": "billing-team", "strategy": "round_robin"}]}
]}`

type nobodyAway struct{ store ticket.Store }

func (n nobodyAway) Away(context.Context, string) (bool, error) { return false, nil }
func (n nobodyAway) OpenCount(ctx context.Context, name string) (int, error) {
	return n.store.OpenCount(ctx, name)
}

// testDesk is a desk on a Redis of the test's own (the real one of
// FRONTDESK_TEST_REDIS_URL, else miniredis), with its rules and store.
type testDesk struct {
	*Desk
	rules *Rules
	store *redisstore.Store
	rs    *rulestore.Store
	redis *testredis.Redis
}

// newTestDesk builds a desk from testConfig with yaml appended (more config),
// at the given time (zero: the clock).
func newTestDesk(t *testing.T, extraYAML string) *testDesk {
	t.Helper()
	cfg, err := config.Parse([]byte(testConfig+extraYAML), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	tr := testredis.New(t)
	store := redisstore.New(tr.Client, &redisstore.Options{Prefix: tr.Prefix})
	cfg.Redis.Prefix = tr.Prefix
	d := New(store, cfg, &Options{
		Assigner: assign.New(tr.Client, tr.Prefix, nobodyAway{store}),
		Redis:    tr.Client, Logger: slog.New(slog.DiscardHandler),
	})
	rs := rulestore.New(tr.Client, tr.Prefix)
	return &testDesk{Desk: d, rules: NewRules(rs, d), store: store, rs: rs, redis: tr}
}

// newMail is a new mail ticket from a person, as email intake makes it.
func newMail(src, from, subject string) ticket.NewTicket {
	return ticket.NewTicket{Channel: ticket.ChannelEmail, Queue: "support", Mailbox: "support", Subject: subject,
		Customer: ticket.Customer{Email: from},
		Tags:     []string{},
		Message: ticket.NewMessage{SourceKey: src, From: from, To: []string{"support@example.com"}, Subject: subject, Text: "hello",
			MessageID: "<" + src + "@example.org>"}}
}

func (d *testDesk) get(t *testing.T, id string) *ticket.Ticket {
	t.Helper()
	tk, err := d.store.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

// events counts the events of type typ on ticket id.
func (d *testDesk) events(t *testing.T, id, typ string) int {
	t.Helper()
	n := 0
	for _, e := range d.get(t, id).Events {
		if e.Type == typ {
			n++
		}
	}
	return n
}

func (d *testDesk) receive(t *testing.T, nt ticket.NewTicket) ticket.Receipt {
	t.Helper()
	r, err := d.Receive(context.Background(), nt)
	if err != nil {
		t.Fatalf("receive %s: %v", nt.Message.SourceKey, err)
	}
	return r
}

// outbound returns the outbound messages of a ticket.
func outbound(tk *ticket.Ticket) []ticket.Message {
	var out []ticket.Message
	for _, m := range tk.Messages {
		if m.Direction == ticket.DirectionOut {
			out = append(out, m)
		}
	}
	return out
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 5s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// messageOf returns message id of tk, failing the test when there is none.
func messageOf(tk *ticket.Ticket, id string) ticket.Message {
	for _, m := range tk.Messages {
		if m.ID == id {
			return m
		}
	}
	panic(fmt.Sprintf("ticket %s has no message %s", tk.ID, id))
}
