package redisstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"frontdesk/internal/testredis"
	"frontdesk/ticket"
)

// clock is a settable clock for leases and SLAs.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// newTestRedis is the real Redis of FRONTDESK_TEST_REDIS_URL, else
// miniredis, with a key prefix of the test's own (internal/testredis).
func newTestRedis(t testing.TB) *testredis.Redis { return testredis.New(t) }

func newTestStore(t testing.TB) (*Store, *testredis.Redis, *clock) {
	t.Helper()
	tr := newTestRedis(t)
	clk := &clock{t: time.Date(2026, 11, 27, 9, 15, 2, 0, time.UTC)}
	s := New(tr.Client, &Options{Prefix: tr.Prefix, AttachmentMaxSize: 1 << 20, Now: clk.Now})
	return s, tr, clk
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// mail returns a new email ticket from the customer, keyed by source.
func mail(source, from, subject string) ticket.NewTicket {
	return ticket.NewTicket{
		Channel: ticket.ChannelEmail, Queue: "support", Subject: subject,
		Customer: ticket.Customer{Name: "Ann Lee", Email: from},
		Message: ticket.NewMessage{
			SourceKey: source, From: "Ann Lee <" + from + ">", To: []string{"support@example.com"},
			Subject: subject, Text: "Hello, " + subject, MessageID: "<" + source + "@example.org>",
			By: "intake:support",
		},
	}
}

// mustCreate creates a ticket or fails the test.
func mustCreate(t testing.TB, s *Store, nt ticket.NewTicket) ticket.Receipt {
	t.Helper()
	r, err := s.Create(context.Background(), nt)
	if err != nil {
		t.Fatalf("create %s: %v", nt.Message.SourceKey, err)
	}
	return r
}

// assertWhole checks that a ticket is complete: its record, first message,
// creation event, customer, listing entry and queue entry are all there.
func assertWhole(t testing.TB, s *Store, id string) *ticket.Ticket {
	t.Helper()
	ctx := context.Background()
	tk, err := s.Get(ctx, id)
	if err != nil {
		t.Fatalf("get %s: %v", id, err)
	}
	var problems []string
	if len(tk.Messages) == 0 || tk.Messages[0].ID != "m1" {
		problems = append(problems, fmt.Sprintf("messages %+v", tk.Messages))
	}
	if len(tk.Events) == 0 || tk.Events[0].Type != "created" {
		problems = append(problems, fmt.Sprintf("events %+v", tk.Events))
	}
	if tk.Customer.ID != "" && tk.Customer.Email == "" && tk.Customer.Phone == "" {
		problems = append(problems, fmt.Sprintf("customer %+v", tk.Customer))
	}
	if tk.Status == ticket.StatusNew {
		if _, err := s.rdb.ZScore(ctx, s.key("queue", tk.Queue), id).Result(); err != nil {
			problems = append(problems, "not waiting in queue "+tk.Queue)
		}
	}
	for _, a := range tk.Messages[0].Attachments {
		if _, _, err := s.Attachment(ctx, id, a.ID); err != nil && !a.Omitted {
			problems = append(problems, fmt.Sprintf("attachment %s: %v", a.ID, err))
		}
	}
	if len(problems) > 0 {
		t.Fatalf("ticket %s is not whole: %s", id, strings.Join(problems, "; "))
	}
	return tk
}

// visibleTickets lists every ticket the store shows, through the listing.
func visibleTickets(t testing.TB, s *Store) []ticket.Ticket {
	t.Helper()
	var all []ticket.Ticket
	cursor := ""
	for {
		p, err := s.List(context.Background(), ticket.ListFilter{Limit: 200, Cursor: cursor})
		if err != nil {
			t.Fatalf("list: %v", err)
		}
		all = append(all, p.Tickets...)
		if p.NextCursor == "" {
			return all
		}
		cursor = p.NextCursor
	}
}
