package ui

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"frontdesk/web/front"
	"frontdesk/web/internal/testweb"
)

// Undelivered lists the downloads that gave up, with their ticket, what
// they fetched and why, in words; a manager tries one again (once) or
// dismisses one; an assistant cannot.
func TestUIDeadDownloads(t *testing.T) {
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	dl := &testweb.Downloads{Dead: []front.DeadDownload{
		{ID: "twilio:recording:RE1", What: "recording", TicketID: "1042", MessageID: "m1", Reason: "The phone service refused the download.", Error: "Twilio refused the download (403 Forbidden)", Attempts: 8, At: at},
		{ID: "missed:CA1", What: "missed call", From: "+15555550123", Error: "Twilio answered 500", Attempts: 8, At: at},
	}}
	e := newUIEnv(t, func(f *front.Front, _ *Options) { f.Downloads = dl })
	ann, max := e.login(t, "ann"), e.login(t, "max")

	_, page := max.get(t, "/outbox")
	for _, want := range []string{`id="downloads-list"`, `data-job="twilio:recording:RE1"`, `href="/tickets/1042#msg-m1"`, "Voicemail recording", "The phone service refused the download.",
		"Twilio refused the download (403 Forbidden)", "Check of a missed call from &#43;15555550123", "no ticket yet", `id="outbox-empty"`} {
		if !strings.Contains(page, want) {
			t.Fatalf("Undelivered lacks %q:\n%s", want, page)
		}
	}
	if res, _ := ann.post(t, "/outbox/downloads/retry", url.Values{"job": {"twilio:recording:RE1"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("an assistant retries a download: %d", res.StatusCode)
	}
	res, body := max.post(t, "/outbox/downloads/retry", url.Values{"job": {"twilio:recording:RE1"}})
	wantRedirect(t, "retry", res, body, "/outbox#downloads", "The download is tried again.")
	res, body = max.post(t, "/outbox/downloads/retry", url.Values{"job": {"twilio:recording:RE1"}})
	wantRedirect(t, "retry twice", res, body, "/outbox#downloads", "It is no longer on the list.")
	if len(dl.Retried()) != 1 {
		t.Errorf("retried %q, want the recording once", dl.Retried())
	}
	res, body = max.post(t, "/outbox/downloads/dismiss", url.Values{"job": {"missed:CA1"}})
	wantRedirect(t, "dismiss", res, body, "/outbox#downloads", "Taken off the list.")
	if _, page := max.get(t, "/outbox"); strings.Contains(page, `id="downloads-list"`) {
		t.Errorf("Undelivered still lists downloads after retry and dismiss:\n%s", page)
	}
}
