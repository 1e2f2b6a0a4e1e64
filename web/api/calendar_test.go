package api

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-ical"
)

func TestCalendarFeed(t *testing.T) {
	e := newAPIEnv(t)
	id := e.sms(t)
	at := time.Now().Add(3 * time.Hour).UTC().Truncate(time.Second)
	e.do(t, req{method: "POST", target: "/api/v1/tickets/" + id + "/callback", token: annToken,
		body: `{"at":"` + at.Format(time.RFC3339) + `","note":"about the invoice"}`}).want(t, 200, "")

	m := decode[me](t, e.do(t, req{method: "GET", target: "/api/v1/me", token: annToken}))
	u, err := url.Parse(m.CalendarURL)
	if err != nil || u.Path != "/api/v1/calendar.ics" {
		t.Fatalf("calendar_url %q", m.CalendarURL)
	}
	feed := e.do(t, req{method: "GET", target: u.RequestURI()})
	feed.want(t, 200, "")
	if ct := feed.header.Get("Content-Type"); ct != "text/calendar; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	cal, err := ical.NewDecoder(strings.NewReader(string(feed.body))).Decode()
	if err != nil {
		t.Fatalf("the feed does not read back: %v\n%s", err, feed.body)
	}
	events := cal.Events()
	if len(events) != 1 {
		t.Fatalf("%d events, want the call-back\n%s", len(events), feed.body)
	}
	start, _ := events[0].DateTimeStart(time.UTC)
	summary, _ := events[0].Props.Text(ical.PropSummary)
	desc, _ := events[0].Props.Text(ical.PropDescription)
	link, _ := events[0].Props.URI(ical.PropURL)
	if !start.Equal(at) || !strings.HasPrefix(summary, "Call back") || !strings.Contains(summary, "555") ||
		!strings.Contains(desc, "about the invoice") || link == nil || link.String() != "https://desk.example.com/tickets/"+id {
		t.Errorf("event: start %v, summary %q, description %q, url %v", start, summary, desc, link)
	}

	// A new address ends the old one.
	fresh := decode[me](t, e.do(t, req{method: "POST", target: "/api/v1/me/calendar", token: annToken}))
	if fresh.CalendarURL == m.CalendarURL {
		t.Fatal("the address did not change")
	}
	e.do(t, req{method: "GET", target: u.RequestURI()}).want(t, 401, "")
	nu, _ := url.Parse(fresh.CalendarURL)
	e.do(t, req{method: "GET", target: nu.RequestURI()}).want(t, 200, "")
	e.do(t, req{method: "GET", target: "/api/v1/calendar.ics"}).want(t, 401, "")
	e.do(t, req{method: "GET", target: "/api/v1/calendar.ics?token=" + annToken}).want(t, 401, "")
}
