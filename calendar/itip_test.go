package calendar

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A REQUEST is no answer; a REPLY names its attendee and answer; a COUNTER
// its proposed time, also given as a DURATION.
func TestReadAnswer(t *testing.T) {
	now := time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)
	req, err := Request(Invitation{UID: "u1@example.com", Start: now.Add(time.Hour), End: now.Add(2 * time.Hour),
		Title: "Fitting", Organizer: "Support <support@example.com>", Attendee: "ann@example.org"}, now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ReadAnswer(req); err == nil {
		t.Fatal("a REQUEST read as an answer")
	}
	reply := strings.NewReplacer("METHOD:REQUEST", "METHOD:REPLY", "PARTSTAT=NEEDS-ACTION", "PARTSTAT=declined").Replace(string(req))
	a, err := ReadAnswer([]byte(reply))
	if err != nil || a.Method != MethodReply || a.Partstat != PartstatDeclined || a.Attendee != "ann@example.org" || a.UID != "u1@example.com" || !a.Stamp.Equal(now) {
		t.Fatalf("reply: %+v, %v", a, err)
	}
	counter := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nMETHOD:COUNTER\r\nBEGIN:VEVENT\r\nUID:u1@example.com\r\nDTSTAMP:20270301T090000Z\r\n" +
		"DTSTART;TZID=Europe/Berlin:20270303T110000\r\nDURATION:PT30M\r\nATTENDEE:mailto:Ann@Example.org\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	a, err = ReadAnswer([]byte(counter))
	if err != nil || a.Method != MethodCounter || !a.Start.Equal(time.Date(2027, 3, 3, 10, 0, 0, 0, time.UTC)) || a.End.Sub(a.Start) != 30*time.Minute || a.Attendee != "ann@example.org" {
		t.Fatalf("counter: %+v, %v", a, err)
	}
	if _, err := ReadAnswer([]byte(strings.Repeat("X", maxCalendar+1))); err == nil {
		t.Fatal("an oversized calendar read")
	}
}

// FuzzReadAnswer: any input is read or refused, without a panic.
func FuzzReadAnswer(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "intake", "mailparse", "testdata", "itip", "*.eml"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			if i := strings.Index(string(b), "BEGIN:VCALENDAR"); i >= 0 {
				f.Add(b[i:])
			}
		}
	}
	f.Add([]byte("BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\nUID:x\r\nATTENDEE;PARTSTAT=ACCEPTED:mailto:a@b\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := ReadAnswer(data)
		if err == nil && (a.UID == "" || (a.Method != MethodReply && a.Method != MethodCounter)) {
			t.Fatalf("read %+v", a)
		}
	})
}

// BenchmarkReadAnswer reads Apple Calendar's answer (with its VTIMEZONE):
// what intake spends on one.
func BenchmarkReadAnswer(b *testing.B) {
	raw, err := os.ReadFile(filepath.Join("..", "intake", "mailparse", "testdata", "itip", "apple-tentative.eml"))
	if err != nil {
		b.Fatal(err)
	}
	data := raw[strings.Index(string(raw), "BEGIN:VCALENDAR"):]
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ReadAnswer(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRequest writes one invitation.
func BenchmarkRequest(b *testing.B) {
	now := time.Now()
	inv := Invitation{UID: "frontdesk-0a1b2c3d4e5f60718293a4b5c6d7e8f9@example.com", Start: now, End: now.Add(time.Hour),
		Title: "Fitting", Location: "Shop, Main Street 1", Description: "Bring the old frame.", Organizer: "Support <support@example.com>", Attendee: "ann@example.org"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Request(inv, now); err != nil {
			b.Fatal(err)
		}
	}
}
