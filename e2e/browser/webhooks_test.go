package browser

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"

	"frontdesk/config"
	"frontdesk/webhooks"
)

// TestManagerReadsTheWebhookLog: a desk sends ticket.created to a receiver
// that answers the first ticket's first attempt with 500 and takes the rest.
// The manager follows the settings page's link to the webhooks page: the
// hook's URL and events, its counts, and the failed and delivered attempts
// with the receiver's answer and the tickets they were about; it reads at
// laptop and at phone width. An assistant gets 403.
func TestManagerReadsTheWebhookLog(t *testing.T) {
	const secret = "browser-hook-secret-2026"
	var mu sync.Mutex
	seen := map[string]int{}
	var first string
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := make([]byte, 1<<16)
		n, _ := r.Body.Read(body)
		if !webhooks.Verify(secret, body[:n], r.Header.Get(webhooks.SignatureHeader)) {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		id := r.Header.Get(webhooks.DeliveryHeader)
		mu.Lock()
		defer mu.Unlock()
		seen[id]++
		if id == first && seen[id] == 1 {
			http.Error(w, "busy", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer rc.Close()
	hookURL := rc.URL + "/frontdesk-events"
	d := newDesk(t, deskOptions{extraConfig: fmt.Sprintf("webhooks:\n  - {url: %q, secret: %q, events: [ticket.created, ticket.closed]}\n", hookURL, secret)})
	d.addUser(t, "manager", "max", "max-manages-2026")
	d.addUser(t, "assistant", "sam", "sam-first-day-2026")
	hook := config.Webhook{URL: hookURL}.ID()
	waitFor(t, "the desk registers its webhook", func() bool {
		ok, _ := d.rdb.HExists(context.Background(), d.prefix+":{desk}:hooks", hook).Result()
		return ok
	})
	mu.Lock()
	a := d.seedMail(t, "Lamp arrived broken", "The lamp of order 553 arrived broken.")
	first = a + "-1"
	mu.Unlock()
	b2 := d.create(t, customerMail("Where is my invoice?")).TicketID

	b := newBrowser(t, d.url, browserOptions{})
	b.login("max", "max-manages-2026")
	b.open("/settings")
	b.submit("follow the link to the webhooks", chromedp.Click(chromedp.CSS("#settings-webhooks-link a")))
	sel := fmt.Sprintf(`article.webhook[data-hook=%q]`, hook)
	b.reloadUntil("a failed and a delivered attempt", "/webhooks", fmt.Sprintf(
		`document.querySelector('%s tr.attempt.failed[data-delivery="%s-1"]') !== null && document.querySelector('%s tr.attempt.delivered[data-delivery="%s-1"]') !== null`,
		sel, a, sel, b2))
	if u := b.text(sel + " .webhook-url"); u != hookURL {
		t.Errorf("the hook's URL shows as %q, want %q", u, hookURL)
	}
	if ev := b.text(sel + " .webhook-events"); !strings.Contains(ev, "ticket.created, ticket.closed") {
		t.Errorf("events: %q", ev)
	}
	failed := b.text(fmt.Sprintf(`%s tr.attempt.failed[data-delivery="%s-1"]`, sel, a))
	for _, want := range []string{"ticket.created", "#" + a, "Failed, will try again", "HTTP 500", "answered 500 Internal Server Error"} {
		if !strings.Contains(failed, want) {
			t.Errorf("the failed attempt's row %q lacks %q", failed, want)
		}
	}
	if !b.exists(fmt.Sprintf(`%s tr.attempt.failed a[href="/tickets/%s"]`, sel, a)) {
		t.Errorf("the failed attempt does not link to ticket %s", a)
	}
	if n := b.text(sel + " .webhook-failed"); n != "1" {
		t.Errorf("failed count %q, want 1", n)
	}
	if strings.Contains(b.text("main"), secret) {
		t.Errorf("the page shows the hook's secret")
	}
	if !b.fitsWidth() {
		t.Errorf("the webhooks page does not fit a laptop's width")
	}
	b.screenshot("webhooks-laptop")
	phone := b.newSession(browserOptions{phone: true})
	phone.login("max", "max-manages-2026")
	if st := phone.open("/webhooks"); st != 200 {
		t.Fatalf("the webhooks page on a phone: %d", st)
	}
	if !phone.fitsWidth() {
		t.Errorf("the webhooks page does not fit a phone's width; too wide: %s", eval[string](phone,
			`[...document.querySelectorAll("body *")].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1).slice(0, 5).map(e => e.tagName + "." + e.className + " " + Math.round(e.getBoundingClientRect().right)).join(", ")`))
	}
	if got := eval[string](phone, fmt.Sprintf(`getComputedStyle(document.querySelector('%s tr.attempt.failed td[data-label="Answer"]'), '::before').content`, sel)); !strings.Contains(got, "Answer") {
		t.Errorf("at phone width a cell is not labelled: %q", got)
	}
	phone.screenshot("webhooks-phone")

	sam := b.newSession(browserOptions{})
	sam.login("sam", "sam-first-day-2026")
	if st := sam.open("/webhooks"); st != 403 {
		t.Errorf("an assistant opening /webhooks: %d, want 403", st)
	}
}
