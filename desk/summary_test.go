package desk

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"frontdesk/ticket"
)

// TestMorningSummary: at 07:30 in the reports' zone the managers get one
// mail with yesterday's figures, what is overdue and what waits longest;
// before then nothing, and a second instance's or minute's try sends
// nothing more.
func TestMorningSummary(t *testing.T) {
	ctx := context.Background()
	ams, _ := time.LoadLocation("Europe/Amsterdam")
	clock := &testClock{t: time.Date(2026, 11, 30, 9, 0, 0, 0, ams)}
	d, store, _ := newClockDesk(t, clock, `
notify: {managers: ["boss@example.com"]}
reports: {morning_summary: "07:30"}
`)
	recv := func(src, subject string) string {
		r, err := d.Receive(ctx, ticket.NewTicket{Channel: ticket.ChannelEmail, Queue: "support", Subject: subject,
			Customer: ticket.Customer{Email: src + "@example.org"},
			Message: ticket.NewMessage{SourceKey: src, From: src + "@example.org", To: []string{"support@example.com"},
				Subject: subject, Text: "hello"}})
		if err != nil {
			t.Fatal(err)
		}
		return r.TicketID
	}
	answered := recv("a", "Answered quickly")
	clock.Set(time.Date(2026, 11, 30, 9, 20, 0, 0, ams))
	if _, err := d.Reply(ctx, answered, Answer{Text: "Done", By: "ann", Close: true}); err != nil {
		t.Fatal(err)
	}
	clock.Set(time.Date(2026, 11, 30, 10, 0, 0, 0, ams))
	recv("b", "Broken invoice") // due 14:00, never answered

	clock.Set(time.Date(2026, 12, 1, 7, 0, 0, 0, ams))
	if sent, err := d.MorningSummary(ctx, clock.Now()); sent || err != nil {
		t.Fatalf("at 07:00: sent %v, %v", sent, err)
	}
	clock.Set(time.Date(2026, 12, 1, 7, 31, 0, 0, ams))
	if sent, err := d.MorningSummary(ctx, clock.Now()); !sent || err != nil {
		t.Fatalf("at 07:31: sent %v, %v", sent, err)
	}
	if sent, err := d.MorningSummary(ctx, clock.Now()); sent || err != nil {
		t.Fatalf("again at 07:31: sent %v, %v", sent, err)
	}
	page, err := store.List(ctx, ticket.ListFilter{Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	var notices []string
	for _, tk := range page.Tickets {
		if strings.HasPrefix(tk.Subject, "frontdesk: the day of") {
			notices = append(notices, tk.ID)
		}
	}
	if len(notices) != 1 {
		t.Fatalf("%d summaries filed, want 1", len(notices))
	}
	tk, err := store.Get(ctx, notices[0])
	if err != nil {
		t.Fatal(err)
	}
	mail := outbound(tk)
	if len(mail) != 1 || mail[0].To[0] != "boss@example.com" || mail[0].Subject != "frontdesk: the day of 2026-11-30 [#"+tk.ID+"]" {
		t.Fatalf("summary mail: %+v", mail)
	}
	text := mail[0].Text
	for _, want := range []string{
		"how 2026-11-30 went",
		"Received: 2\nFirst responses: 1 (median 20 min, 9 in 10 within 20 min of business time)",
		"Answered on time: 1\nLate: 0\nClosed: 1\n",
		"  support (email): 2 received, 1 answered, 0 late, 1 closed\n",
		"  ann: 1 handled, 1 first responses\n",
		"Overdue, still without a first response:\n  #" + "1002 Broken invoice (support, waiting 21 h 31 min)\n",
		"Waiting longest:\n  #1002 Broken invoice",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("summary lacks %q:\n%s", want, text)
		}
	}
	// The notice is no first response in tomorrow's report.
	r, err := d.DailyReport(ctx, "2026-12-01", "2026-12-01")
	if err != nil || r.Total.FirstResponses != 0 || r.Total.Received != 0 {
		t.Errorf("the summary counted in the report: %+v, %v", r.Total, err)
	}
}

// TestMorningSummaryOnce runs the summary check on two instances at once,
// then again after a crash that filed the notice but queued no mail: one
// mail goes, however they interleave.
func TestMorningSummaryOnce(t *testing.T) {
	ctx := context.Background()
	ams, _ := time.LoadLocation("Europe/Amsterdam")
	clock := &testClock{t: time.Date(2026, 12, 1, 7, 31, 0, 0, ams)}
	extra := "\nnotify: {managers: [\"boss@example.com\"]}\nreports: {morning_summary: \"07:30\"}\n"
	d, store, _ := newClockDesk(t, clock, extra)
	other := New(store, d.cfg, &Options{Logger: slog.New(slog.DiscardHandler), Now: clock.Now})

	// A crash after filing the notice, before its mail was queued.
	if _, err := store.Create(ctx, ticket.NewTicket{Channel: ticket.ChannelEmail, Queue: "support",
		Subject: "frontdesk: the day of 2026-11-30", Tags: []string{NoticeTag}, Closed: true,
		Message: ticket.NewMessage{SourceKey: "notice:morning-summary:2026-11-30", Channel: ticket.ChannelEmail,
			From: "frontdesk", To: []string{"boss@example.com"}, Subject: "frontdesk: the day of 2026-11-30",
			Text: "…", By: "frontdesk"}}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for _, dd := range []*Desk{d, other, d, other} {
		wg.Go(func() {
			if _, err := dd.MorningSummary(ctx, clock.Now()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	page, err := store.List(ctx, ticket.ListFilter{Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	var mails int
	for _, tk := range page.Tickets {
		full, err := store.Get(ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(tk.Subject, "frontdesk: the day of") {
			mails += len(outbound(full))
		}
	}
	if mails != 1 {
		t.Errorf("%d summary mails queued, want 1", mails)
	}
}
