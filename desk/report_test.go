package desk

import (
	"context"
	"errors"
	"log/slog"
	"reflect"
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

const reportConfig = `
redis: {url: "redis://127.0.0.1:6379/0"}
http: {public_url: "https://desk.example.com"}
mailboxes:
  - {name: support, host: imap.example.com, username: support@example.com, password: p, address: "Support <support@example.com>"}
smtp: {host: 127.0.0.1, port: 2525, security: none}
twilio: {account_sid: AC0123456789abcdef0123456789abcdef, auth_token: t, numbers: [{number: "+15555550100", queue: support}]}
queues:
  - {name: support, address: "Support <support@example.com>", first_response: 4h, business_hours: office}
  - {name: billing, address: "Billing <billing@example.com>", first_response: 1h}
business_hours:
  office: {timezone: Europe/Amsterdam, days: mon-fri, hours: "09:00-17:00"}
`

// testClock is a clock a test sets.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// newClockDesk is a desk on reportConfig whose store and desk read clock.
func newClockDesk(t testing.TB, clock *testClock, extraYAML ...string) (*Desk, *redisstore.Store, *testredis.Redis) {
	t.Helper()
	cfg, err := config.Parse([]byte(reportConfig+strings.Join(extraYAML, "")), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	tr := testredis.New(t)
	cfg.Redis.Prefix = tr.Prefix
	store := redisstore.New(tr.Client, &redisstore.Options{Prefix: tr.Prefix, Now: clock.Now})
	d := New(store, cfg, &Options{Logger: slog.New(slog.DiscardHandler), Now: clock.Now})
	if err := d.ReportZone(context.Background()); err != nil {
		t.Fatal(err)
	}
	return d, store, tr
}

// TestDailyReportExact plays two days of known tickets at known times and
// checks every figure of the report.
func TestDailyReportExact(t *testing.T) {
	ctx := context.Background()
	ams, _ := time.LoadLocation("Europe/Amsterdam")
	at := func(day, hour, minute int) time.Time { return time.Date(2026, 11, day, hour, minute, 0, 0, ams) }
	clock := &testClock{t: at(30, 8, 0)}
	d, store, tr := newClockDesk(t, clock)
	mail := func(src, queue string) string {
		t.Helper()
		r, err := d.Receive(ctx, ticket.NewTicket{Channel: ticket.ChannelEmail, Queue: queue, Subject: src,
			Customer: ticket.Customer{Email: src + "@example.org"},
			Message: ticket.NewMessage{SourceKey: src, From: src + "@example.org", To: []string{"support@example.com"},
				Subject: src, Text: "hello"}})
		if err != nil {
			t.Fatal(err)
		}
		return r.TicketID
	}
	reply := func(id, by string, close bool) {
		t.Helper()
		if _, err := d.Reply(ctx, id, Answer{Text: "Thanks", By: by, Close: close, Force: true}); err != nil {
			t.Fatalf("reply to %s: %v", id, err)
		}
	}

	// Monday 30 November (office hours 09-17, Amsterdam, UTC+1).
	clock.Set(at(30, 9, 0))
	t1 := mail("t1", "support")
	clock.Set(at(30, 9, 30)) // 30 min of business time, within 4h: met
	reply(t1, "ann", true)
	clock.Set(at(30, 10, 0))
	r3, err := d.Receive(ctx, ticket.NewTicket{Channel: ticket.ChannelSMS, Queue: "support", Subject: "SMS",
		Customer: ticket.Customer{Phone: "+15555550123"},
		Message:  ticket.NewMessage{SourceKey: "t3", Kind: ticket.KindSMS, From: "+15555550123", To: []string{"+15555550100"}, Text: "Hi"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.RecordFeedback(ctx, t1, ticket.Feedback{Good: true}, 24*time.Hour); err != nil {
		t.Fatal(err)
	}
	clock.Set(at(30, 12, 0)) // changes their mind within the day
	if err := store.RecordFeedback(ctx, t1, ticket.Feedback{Good: false, Comment: "slow"}, 24*time.Hour); err != nil {
		t.Fatal(err)
	}
	clock.Set(at(30, 14, 30)) // the SMS is overdue: breached on Monday
	if ids, err := store.MarkBreaches(ctx, []string{"support", "billing"}); err != nil || len(ids) != 1 {
		t.Fatalf("breaches %v, %v; want the SMS", ids, err)
	}
	clock.Set(at(30, 15, 0)) // 5h after it came in: counted, not again as breached
	reply(r3.TicketID, "ann", false)
	clock.Set(at(30, 16, 0))
	t2 := mail("t2", "support")
	clock.Set(at(30, 23, 59))
	mail("t5", "support") // a minute before midnight: Monday's

	// Tuesday 1 December.
	clock.Set(time.Date(2026, 12, 1, 0, 30, 0, 0, ams)) // Monday 23:30 UTC: Tuesday's
	t4 := mail("t4", "billing")
	clock.Set(time.Date(2026, 12, 1, 2, 0, 0, 0, ams)) // 90 min around the clock, due in 60: breached
	reply(t4, "bob", false)
	clock.Set(time.Date(2026, 12, 1, 10, 0, 0, 0, ams)) // 1h Monday + 1h Tuesday of business time: met
	reply(t2, "bob", false)
	if err := store.RecordFeedback(ctx, t2, ticket.Feedback{Good: true}, 24*time.Hour); err != nil {
		t.Fatal(err)
	}
	clock.Set(time.Date(2026, 12, 1, 11, 0, 0, 0, ams)) // the customer of t1 writes again: reopened
	if _, err := d.Continue(ctx, t1, ticket.NewMessage{SourceKey: "t1-again", From: "t1@example.org",
		To: []string{"support@example.com"}, Subject: "Re: t1", Text: "one more thing"}); err != nil {
		t.Fatal(err)
	}
	clock.Set(time.Date(2026, 12, 1, 12, 0, 0, 0, ams))
	if err := d.SetStatus(ctx, t1, ticket.StatusClosed, "ann"); err != nil {
		t.Fatal(err)
	}
	// Wednesday: too late to change the answer.
	clock.Set(time.Date(2026, 12, 2, 12, 30, 0, 0, ams))
	if err := store.RecordFeedback(ctx, t1, ticket.Feedback{Good: true}, 24*time.Hour); !errors.Is(err, fault.ErrConflict) {
		t.Fatalf("late change of feedback: %v, want a conflict", err)
	}

	r, err := d.DailyReport(ctx, "2026-11-30", "2026-12-02")
	if err != nil {
		t.Fatal(err)
	}
	want := []ReportRow{
		{Date: "2026-11-30", Queue: "support", Channel: "email", Received: 3, FirstResponses: 1,
			FirstResponseP50: 1800, FirstResponseP90: 1800, SLAMet: 1, Closed: 1, FeedbackBad: 1},
		{Date: "2026-11-30", Queue: "support", Channel: "sms", Received: 1, FirstResponses: 1,
			FirstResponseP50: 21600, FirstResponseP90: 21600, SLABreached: 1},
		{Date: "2026-12-01", Queue: "billing", Channel: "email", Received: 1, FirstResponses: 1,
			FirstResponseP50: 5400, FirstResponseP90: 5400, SLABreached: 1},
		{Date: "2026-12-01", Queue: "support", Channel: "email", FirstResponses: 1,
			FirstResponseP50: 7200, FirstResponseP90: 7200, SLAMet: 1, Closed: 1, Reopened: 1, FeedbackGood: 1},
	}
	if len(r.Rows) != len(want) {
		t.Fatalf("rows:\n%+v\nwant\n%+v", r.Rows, want)
	}
	for i := range want {
		got := r.Rows[i]
		got.frt = nil
		if !reflect.DeepEqual(got, want[i]) {
			t.Errorf("row %d:\n got %+v\nwant %+v", i, got, want[i])
		}
	}
	if len(r.Days) != 3 || r.Days[2].Received != 0 || r.Days[0].Received != 4 || r.Days[1].FirstResponses != 2 {
		t.Errorf("days: %+v", r.Days)
	}
	// Monday's first responses: 1800 and 18000 s; the median is the first.
	if r.Days[0].FirstResponseP50 != 1800 || r.Days[0].FirstResponseP90 != 21600 {
		t.Errorf("Monday's percentiles: %d, %d", r.Days[0].FirstResponseP50, r.Days[0].FirstResponseP90)
	}
	tot := r.Total
	if tot.Received != 5 || tot.FirstResponses != 4 || tot.SLAMet != 2 || tot.SLABreached != 2 || tot.Closed != 2 ||
		tot.Reopened != 1 || tot.FeedbackGood != 1 || tot.FeedbackBad != 1 || tot.FirstResponseP50 != 5400 || tot.FirstResponseP90 != 21600 {
		t.Errorf("total: %+v", tot)
	}
	wantPeople := []AssistantRow{
		{Assistant: "ann", Handled: 2, FirstResponses: 2, FirstResponseP50: 1800},
		{Assistant: "bob", FirstResponses: 2, FirstResponseP50: 5400},
	}
	if len(r.Assistants) != len(wantPeople) {
		t.Fatalf("assistants: %+v", r.Assistants)
	}
	for i := range wantPeople {
		got := r.Assistants[i]
		got.frt = nil
		if !reflect.DeepEqual(got, wantPeople[i]) {
			t.Errorf("assistant %d:\n got %+v\nwant %+v", i, got, wantPeople[i])
		}
	}
	// Weeks later the days are read as packs: made at the first read, read
	// at the second; the figures stay the same.
	clock.Set(time.Date(2027, 1, 20, 12, 0, 0, 0, ams))
	for i := range 2 {
		again, err := d.DailyReport(ctx, "2026-11-30", "2026-12-02")
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(again, r) {
			t.Errorf("read %d from packs:\n%+v\nwant\n%+v", i, again, r)
		}
	}
	for _, day := range []string{"2026-11-30", "2026-12-01"} {
		if ok, _ := tr.Client.HExists(ctx, tr.Prefix+":{desk}:report:day:"+day, "pack").Result(); !ok {
			t.Errorf("no pack kept for %s", day)
		}
	}
	// A change in a packed day (a clock far behind) drops its pack.
	clock.Set(time.Date(2026, 11, 30, 18, 0, 0, 0, ams))
	mail("late", "billing")
	clock.Set(time.Date(2027, 1, 20, 12, 0, 0, 0, ams))
	late, err := d.DailyReport(ctx, "2026-11-30", "2026-11-30")
	if err != nil {
		t.Fatal(err)
	}
	if late.Total.Received != 5 {
		t.Errorf("after a late count, Monday received %d, want 5", late.Total.Received)
	}

	fb, ok, err := store.TicketFeedback(ctx, t1)
	if err != nil || !ok || fb.Good || fb.Comment != "slow" {
		t.Errorf("t1's feedback: %+v %v %v", fb, ok, err)
	}
}
