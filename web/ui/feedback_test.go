package ui

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"frontdesk/web/front"
)

// TestFeedbackPages: a customer's link shows a form and changes nothing
// (mail scanners follow links); the form's POST records the answer with
// its comment; a forged link is refused.
func TestFeedbackPages(t *testing.T) {
	var f *front.Front
	e := newUIEnv(t, func(fr *front.Front, _ *Options) { f = fr })
	id := e.mail(t, 1)
	link, err := f.Desk.FeedbackURL(context.Background(), id, false)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(link)
	customer := e.anonymous()

	res, body := customer.get(t, u.RequestURI())
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `id="feedback-form"`) ||
		!strings.Contains(body, `value="bad" checked`) {
		t.Fatalf("GET %s: %d\n%s", u.RequestURI(), res.StatusCode, body)
	}
	if _, ok, _ := e.store.TicketFeedback(context.Background(), id); ok {
		t.Fatal("opening the link recorded an answer")
	}
	// Refused on the customer's page, in words: not the desk's error
	// page with a bare "Forbidden" and a way "Back to the queues".
	if res, body := customer.get(t, "/feedback/"+id+"?a=good&s=00"); res.StatusCode != http.StatusForbidden ||
		!strings.Contains(body, `id="feedback-refused"`) || !strings.Contains(body, "This link is not valid") ||
		strings.Contains(body, "Forbidden") || strings.Contains(body, "Back to the queues") {
		t.Errorf("a forged link: %d\n%s", res.StatusCode, body)
	}

	res, body = customer.postRaw(t, "/feedback/"+id, url.Values{"s": {u.Query().Get("s")}, "answer": {"good"}, "comment": {"Thanks!"}})
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `id="feedback-done"`) {
		t.Fatalf("POST: %d\n%s", res.StatusCode, body)
	}
	fb, ok, err := e.store.TicketFeedback(context.Background(), id)
	if err != nil || !ok || !fb.Good || fb.Comment != "Thanks!" {
		t.Errorf("recorded %+v %v %v", fb, ok, err)
	}
	// The link again: the answer given, the comment in the form to keep
	// or change, and until when.
	res, body = customer.get(t, u.RequestURI())
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `id="feedback-earlier">You told us it helped; you may change your answer until <time`) ||
		!strings.Contains(body, `rows="4">Thanks!</textarea>`) || !strings.Contains(body, `value="bad" checked`) {
		t.Errorf("GET after answering: %d\n%s", res.StatusCode, body)
	}
	if res, _ := customer.postRaw(t, "/feedback/"+id, url.Values{"s": {"00"}, "answer": {"bad"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("a forged answer: %d, want 403", res.StatusCode)
	}

	// The longest comment the page's textarea lets a customer write
	// (maxlength counts characters, a line break as one) is taken whole,
	// also in a language with accents: 2,000 characters are 4,001 bytes
	// here, and 12,000 once form-encoded.
	long := strings.Repeat("é", 1000) + "\r\n" + strings.Repeat("ü", 999)
	res, body = customer.postRaw(t, "/feedback/"+id, url.Values{"s": {u.Query().Get("s")}, "answer": {"bad"}, "comment": {long}})
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `id="feedback-done"`) {
		t.Fatalf("POST with a comment of 2,000 characters: %d\n%s", res.StatusCode, body)
	}
	if fb, _, _ := e.store.TicketFeedback(context.Background(), id); fb.Comment != strings.ReplaceAll(long, "\r\n", "\n") {
		t.Errorf("the long comment was kept as %d bytes, want %d", len(fb.Comment), len(long)-1)
	}
	if res, body := customer.postRaw(t, "/feedback/"+id, url.Values{"s": {u.Query().Get("s")}, "answer": {"bad"}, "comment": {long + "ö"}}); res.StatusCode != http.StatusRequestEntityTooLarge ||
		!strings.Contains(body, "too long") {
		t.Errorf("POST with a comment of 2,001 characters: %d\n%s", res.StatusCode, body)
	}
}

// TestReportsPage: a manager's reports page draws its charts as SVG and
// lists the day's ticket; an assistant may not open it.
func TestReportsPage(t *testing.T) {
	e := newUIEnv(t)
	e.mail(t, 1)
	now := time.Now().UTC()
	res, body := e.login(t, "max").get(t, "/reports?from="+now.AddDate(0, 0, -1).Format(time.DateOnly)+"&to="+now.AddDate(0, 0, 1).Format(time.DateOnly))
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `<svg viewBox="0 0 720 220"`) ||
		!strings.Contains(body, `<tr data-queue="support" data-channel="email">`) || !strings.Contains(body, `href="/reports"`) {
		t.Errorf("GET /reports: %d\n%s", res.StatusCode, body)
	}
	if res, _ := e.login(t, "ann").get(t, "/reports"); res.StatusCode != http.StatusForbidden {
		t.Errorf("an assistant's /reports: %d, want 403", res.StatusCode)
	}
}
