package browser

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"frontdesk/ticket"
)

// TestManagerReadsTheReports: a manager opens Reports from the navigation
// and reads the figures of two seeded days — totals, charts drawn as SVG,
// the tables per queue and channel, per assistant and per day — at laptop
// and phone width without the page scrolling sideways, chooses other
// dates, and finds the CSV download. An assistant is not offered it.
func TestManagerReadsTheReports(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	set := func(t time.Time) { mu.Lock(); now = t; mu.Unlock() }
	d := newDesk(t, deskOptions{now: clock})
	d.addUser(t, "manager", "max", "max-manages-2026")
	d.addUser(t, "assistant", "sam", "sam-first-day-2026")
	ctx := context.Background()

	mail := func(n, queue string, due time.Duration) string {
		return d.create(t, ticket.NewTicket{Channel: ticket.ChannelEmail, Queue: queue, Subject: "Order " + n,
			Customer: ticket.Customer{Email: "c" + n + "@example.org"}, FirstResponseDue: clock().Add(due),
			Message: ticket.NewMessage{SourceKey: "report:" + n, From: "c" + n + "@example.org",
				To: []string{"support@example.com"}, Subject: "Order " + n, Text: "Where is it?"}}).TicketID
	}
	reply := func(id, by string) {
		age := clock().Sub(time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC))
		if _, err := d.store.AppendMessage(ctx, id, ticket.NewMessage{SourceKey: "reply:" + id, Direction: ticket.DirectionOut,
			Channel: ticket.ChannelEmail, To: []string{"c@example.org"}, Text: "On its way", By: by, Author: by, BusinessAge: &age}); err != nil {
			t.Fatal(err)
		}
	}
	a := mail("1", "support", 4*time.Hour)
	b2 := mail("2", "support", 4*time.Hour)
	mail("3", "billing", time.Hour)
	set(time.Date(2026, 11, 30, 9, 30, 0, 0, time.UTC))
	reply(a, "sam")
	if err := d.store.SetStatus(ctx, a, ticket.StatusClosed, "sam"); err != nil {
		t.Fatal(err)
	}
	set(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)) // a day late
	reply(b2, "max")

	br := newBrowser(t, d.url, browserOptions{})
	br.login("max", "max-manages-2026")
	br.submit("open Reports from the navigation", chromedp.Click(chromedp.CSS(`header.top nav a[href="/reports"]`)))
	br.do("choose the two days", chromedp.SetValue(chromedp.ID("report-from"), "2026-11-30"),
		chromedp.SetValue(chromedp.ID("report-to"), "2026-12-01"))
	br.submit("show them", chromedp.Click(chromedp.CSS("#report-span button")))
	check := func(width string) {
		t.Helper()
		for sel, want := range map[string]string{"#total-received": "3", "#total-first-responses": "2",
			"#total-sla-met": "1", "#total-sla-breached": "1", "#total-closed": "1", "#total-p50": "30 min"} {
			if got := strings.TrimSpace(br.text(sel)); got != want {
				t.Errorf("%s: %s = %q, want %q", width, sel, got, want)
			}
		}
		if n := eval[int](br, `document.querySelectorAll("#chart-volume svg rect").length`); n != 2*3 {
			t.Errorf("%s: the volume chart has %d bars, want 6", width, n)
		}
		if h := eval[float64](br, `document.querySelector("#chart-volume svg").getBoundingClientRect().width`); h < 300 {
			t.Errorf("%s: the chart is %v px wide", width, h)
		}
		if got := br.text(`#report-queues tr[data-queue="support"][data-channel="email"]`); !strings.Contains(got, "support") ||
			!strings.Contains(got, "30 min") {
			t.Errorf("%s: support's row: %q", width, got)
		}
		if got := eval[string](br, `Array.from(document.querySelectorAll('#report-assistants tr[data-assistant="sam"] td')).map(td => td.textContent).join("|")`); got != "sam|1|1|30 min" {
			t.Errorf("%s: sam's row reads %q", width, got)
		}
		if !br.exists(`#report-assistants tr[data-assistant="max"]`) || !br.exists(`#report-days tr[data-date="2026-12-01"]`) {
			t.Errorf("%s: the tables lack max or 1 December", width)
		}
		if !br.fitsWidth() {
			t.Errorf("%s: the reports page scrolls sideways: %s", width, eval[string](br, `Array.from(document.querySelectorAll("body *")).filter(e => e.getBoundingClientRect().right > window.innerWidth + 1).slice(0, 8).map(e => e.tagName + "#" + e.id + "." + e.className + " " + Math.round(e.getBoundingClientRect().right)).join(", ")`))
		}
	}
	check("laptop")
	br.screenshot("reports-laptop")
	restore := br.phoneWidth()
	check("phone")
	br.screenshot("reports-phone")
	restore()
	if href := eval[string](br, `document.getElementById("report-csv").getAttribute("href")`); href != "/reports/daily.csv?from=2026-11-30&to=2026-12-01" {
		t.Errorf("CSV link: %q", href)
	}
	csv := eval[string](br, `(() => { const x = new XMLHttpRequest(); x.open("GET", "/reports/daily.csv?from=2026-11-30&to=2026-12-01", false); x.send(); return x.responseText })()`)
	if lines := strings.Split(strings.TrimSpace(csv), "\n"); len(lines) != 4 || !strings.HasPrefix(lines[0], "date,queue,channel,received") {
		t.Errorf("CSV download:\n%s", csv)
	}

	sam := br.newSession(browserOptions{})
	sam.login("sam", "sam-first-day-2026")
	if sam.exists(`header.top nav a[href="/reports"]`) {
		t.Error("an assistant is offered the reports")
	}
	if st := sam.open("/reports"); st != 403 {
		t.Errorf("an assistant opening /reports: %d, want 403", st)
	}
}
