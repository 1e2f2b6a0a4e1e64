package calendar

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-ical"
)

func TestWriteReadsBack(t *testing.T) {
	now := time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)
	ams, _ := time.LoadLocation("Europe/Amsterdam")
	start := time.Date(2026, 12, 3, 10, 30, 0, 0, ams)
	events := []Event{{
		UID: "callback-1042-1796290200000@desk.example.com", Start: start, End: start.Add(15 * time.Minute),
		Summary: "Call back Jörg Müller, +31 20 555 0123", Description: "About the refund; line two, with a comma\nand a new line",
		URL: "https://desk.example.com/tickets/1042",
	}, {
		UID: "invite-7@desk.example.com", Start: start.Add(24 * time.Hour), End: start.Add(25 * time.Hour),
		Summary: "Fitting", Location: "Shop, Main Street 1", Cancelled: true,
	}}
	var buf bytes.Buffer
	if err := Write(&buf, "frontdesk", events, now); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "\r\n") {
		t.Error("lines are not ended with CRLF")
	}
	cal, err := ical.NewDecoder(&buf).Decode()
	if err != nil {
		t.Fatalf("decode the feed: %v\n%s", err, buf.String())
	}
	if name, _ := cal.Props.Text("X-WR-CALNAME"); name != "frontdesk" {
		t.Errorf("calendar name %q", name)
	}
	got := cal.Events()
	if len(got) != 2 {
		t.Fatalf("%d events, want 2", len(got))
	}
	for i, ev := range got {
		want := events[i]
		uid, _ := ev.Props.Text(ical.PropUID)
		summary, _ := ev.Props.Text(ical.PropSummary)
		desc, _ := ev.Props.Text(ical.PropDescription)
		loc, _ := ev.Props.Text(ical.PropLocation)
		status, _ := ev.Props.Text(ical.PropStatus)
		st, err := ev.DateTimeStart(time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		end, _ := ev.DateTimeEnd(time.UTC)
		if uid != want.UID || summary != want.Summary || desc != want.Description || loc != want.Location ||
			!st.Equal(want.Start) || !end.Equal(want.End) {
			t.Errorf("event %d read back as uid %q, summary %q, desc %q, loc %q, %v-%v; want %+v", i, uid, summary, desc, loc, st, end, want)
		}
		if wantStatus := map[bool]string{false: "CONFIRMED", true: "CANCELLED"}[want.Cancelled]; status != wantStatus {
			t.Errorf("event %d status %q, want %q", i, status, wantStatus)
		}
	}
}
