package mailparse

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"frontdesk/calendar"
)

// The iTIP answer corpus (testdata/itip, README.md there): each mail is
// read as the answer it carries, whatever its provider's shape.
func TestInvitationAnswerCorpus(t *testing.T) {
	cet := time.FixedZone("CET", 3600)
	for _, c := range []struct {
		file, method, partstat, uid string
		start                       time.Time
		comment                     string
	}{
		{"outlook-accepted.eml", "REPLY", "ACCEPTED", "frontdesk-0a1b2c3d4e5f60718293a4b5c6d7e8f9@example.com",
			time.Date(2027, 3, 3, 10, 0, 0, 0, cet), "See you then.\n"},
		{"outlook-counter.eml", "COUNTER", "NEEDS-ACTION", "frontdesk-0a1b2c3d4e5f60718293a4b5c6d7e8f9@example.com",
			time.Date(2027, 3, 3, 11, 0, 0, 0, cet), "Could we make it an hour later?\n"},
		{"gmail-accepted.eml", "REPLY", "ACCEPTED", "frontdesk-1b2c3d4e5f60718293a4b5c6d7e8f90a@example.com",
			time.Date(2027, 3, 3, 10, 0, 0, 0, cet), ""},
		{"gmail-declined.eml", "REPLY", "DECLINED", "frontdesk-1b2c3d4e5f60718293a4b5c6d7e8f90a@example.com",
			time.Date(2027, 3, 3, 10, 0, 0, 0, cet), ""},
		{"apple-tentative.eml", "REPLY", "TENTATIVE", "frontdesk-2c3d4e5f60718293a4b5c6d7e8f90a1b@example.com",
			time.Date(2027, 3, 3, 10, 0, 0, 0, cet), ""},
	} {
		t.Run(c.file, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("testdata", "itip", c.file))
			if err != nil {
				t.Fatal(err)
			}
			m, err := Parse(raw, nil)
			if err != nil {
				t.Fatal(err)
			}
			a := m.Invitation
			if a == nil {
				t.Fatalf("no invitation answer read; kind %s, %d attachments", m.Kind, len(m.Attachments))
			}
			if a.Method != c.method || a.Partstat != c.partstat || a.UID != c.uid || a.Attendee != "ann@example.org" ||
				!a.Start.Equal(c.start) || a.Stamp.IsZero() || a.Comment != c.comment {
				t.Fatalf("answer = %+v", a)
			}
			if !a.End.After(a.Start) {
				t.Fatalf("end %v not after start %v", a.End, a.Start)
			}
			if !m.AutoSubmitted {
				t.Fatal("an invitation answer must never be acknowledged")
			}
		})
	}
}

// A mail that only talks about a calendar, or carries a REQUEST (an
// invitation to the desk), is no answer.
func TestInvitationRequestIsNoAnswer(t *testing.T) {
	ics, err := calendar.Request(calendar.Invitation{UID: "x@example.com", Start: time.Now(), End: time.Now().Add(time.Hour),
		Title: "Meet", Organizer: "a@example.org", Attendee: "support@example.com"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	raw := "From: a@example.org\r\nTo: support@example.com\r\nSubject: Invitation\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: text/calendar; method=REQUEST; charset=UTF-8\r\n\r\n" + string(ics)
	m, err := Parse([]byte(raw), nil)
	if err != nil {
		t.Fatal(err)
	}
	if m.Invitation != nil {
		t.Fatalf("a REQUEST read as an answer: %+v", m.Invitation)
	}
}

// The corpus's README says how it was checked with Python's email package
// and icalendar; this runs that check, so that the corpus stays readable
// by another implementation than ours. Skipped without python3-icalendar,
// except under CI=true.
func TestInvitationAnswerCorpusReadsInPython(t *testing.T) {
	py := pythonWithICalendar()
	if py == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("python3 with icalendar is required under CI (apt-get install python3-icalendar)")
		}
		t.Skip("no python3 with icalendar (apt-get install python3-icalendar)")
	}
	out, err := exec.Command(py, filepath.Join("testdata", "itip", "check_corpus.py")).CombinedOutput()
	if err != nil {
		t.Fatalf("check_corpus.py: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}

// pythonWithICalendar is a python3 that imports icalendar, or "".
func pythonWithICalendar() string {
	for _, py := range []string{"python3", "/usr/bin/python3"} {
		if exec.Command(py, "-c", "import icalendar").Run() == nil {
			return py
		}
	}
	return ""
}
