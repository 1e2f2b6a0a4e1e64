package browser

import (
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"frontdesk/ticket"
)

// TestSearchFromTheHeader: an assistant presses / on the queues page, types
// "jorg kapu" into the header's search box and sees, while typing, the
// ticket whose message has "Jörg" and "kaputt" marked — not the one that has
// only one of the words — with the customer's hostile markup shown as text.
// Enter opens the search page with the same results; its link opens the
// ticket. The search page also finds a ticket by number with the script off
// (a plain GET), and on a phone the box and its results fit the width.
func TestSearchFromTheHeader(t *testing.T) {
	d := newDesk(t, deskOptions{})
	d.addUser(t, "assistant", "sam", "sam-first-day-2026")
	hit := d.create(t, ticket.NewTicket{
		Channel: ticket.ChannelEmail, Queue: "support", Subject: "Gerät defekt",
		Customer: ticket.Customer{Name: "Jörg Müller", Email: "jorg@example.de"},
		Message: ticket.NewMessage{
			SourceKey: "browser:search:1", Channel: ticket.ChannelEmail, From: "Jörg Müller <jorg@example.de>",
			To: []string{"support@example.com"}, Subject: "Gerät defekt", MessageID: "<search1@example.de>",
			Text: `Hallo, hier ist Jörg. Das Gerät ist kaputt <img src=x onerror="alert('xss')"> und ich möchte es zurückschicken.`,
		},
	}).TicketID
	d.seedMailFrom(t, "Lamp kaputt", "The lamp is kaputt.", "<search2@example.org>")

	b := newBrowser(t, d.url, browserOptions{})
	b.login("sam", "sam-first-day-2026")
	if st := b.open("/"); st != 200 {
		t.Fatalf("queues page: %d", st)
	}
	b.do("press /", press("/"))
	if id := eval[string](b, `document.activeElement ? document.activeElement.id : ""`); id != "search-box" {
		t.Fatalf("/ focused %q, want the search box", id)
	}
	b.do("type jorg kapu", press("jorg kapu"))
	b.waitJS("the results while typing", `(() => {
		const l = document.getElementById("search-live");
		return !!l && !l.hidden && l.querySelectorAll(".search-hit").length === 1;
	})()`)
	if v := eval[string](b, `document.getElementById("search-box").value`); v != "jorg kapu" {
		t.Errorf("the box holds %q (the / went into it?)", v)
	}
	b.screenshot("search-live-laptop")
	marks := eval[[]string](b, `Array.from(document.querySelectorAll("#search-live mark")).map(m => m.textContent)`)
	if strings.Join(marks, ",") != "Jörg,kaputt" {
		t.Errorf("marked: %q, want Jörg and kaputt", marks)
	}
	if s := b.text("#search-live .search-hit-snippet"); !strings.Contains(s, `<img src=x onerror="alert('xss')">`) {
		t.Errorf("the snippet reads %q, want the markup as text", s)
	}
	if b.exists("#search-live img") || len(b.openedDialogs()) > 0 {
		t.Error("the customer's markup ran in the results")
	}
	if s := b.text("#search-live .search-hit-head"); !strings.Contains(s, "#"+hit) || !strings.Contains(s, "Gerät defekt") {
		t.Errorf("the hit reads %q", s)
	}

	// Enter: the search page, the same result; its link opens the ticket.
	b.submit("press Enter", press("\r"))
	if p := b.path(); p != "/search?q=jorg+kapu" {
		t.Errorf("Enter led to %s", p)
	}
	if n := eval[int](b, `document.querySelectorAll("#search-page-results .search-hit").length`); n != 1 {
		t.Errorf("the search page lists %d tickets, want 1", n)
	}
	b.submit("open the hit", chromedp.Click(chromedp.CSS("#search-page-results a.search-hit-link")))
	if p := b.path(); p != "/tickets/"+hit {
		t.Errorf("the hit led to %s", p)
	}

	// The page alone (as without the script): a number, an address.
	if st := b.open("/search?q=" + url.QueryEscape("#"+hit)); st != 200 {
		t.Fatalf("search page: %d", st)
	}
	if s := b.text("#search-page-results .search-hit-head"); !strings.Contains(s, "#"+hit) {
		t.Errorf("by number: %q", s)
	}
	if st := b.open("/search?q=nothing-here"); st != 200 || !b.exists("#search-none") {
		t.Errorf("no match: %d, %q", st, b.text("main"))
	}

	// A phone: the box is there, its results and the page fit the width.
	restore := b.phoneWidth()
	defer restore()
	if st := b.open("/tickets/" + hit); st != 200 {
		t.Fatalf("ticket page: %d", st)
	}
	if !b.fitsWidth() {
		t.Fatal("the ticket page with the search box does not fit a phone's width")
	}
	b.do("type kaputt", chromedp.Click(chromedp.ID("search-box")), press("kaputt"))
	b.waitJS("the results on a phone", `(() => {
		const l = document.getElementById("search-live");
		return !!l && !l.hidden && l.querySelectorAll(".search-hit").length === 2;
	})()`)
	b.screenshot("search-live-phone")
	if !b.fitsWidth() {
		t.Errorf("the header's results do not fit a phone's width: %s", eval[string](b, `Array.from(document.querySelectorAll("body *")).filter(e => e.getBoundingClientRect().right > window.innerWidth + 1).slice(0, 5).map(e => e.tagName + "#" + e.id + "." + e.className + " " + Math.round(e.getBoundingClientRect().right)).join("; ")`))
	}
	if w := eval[float64](b, `document.getElementById("search-live").getBoundingClientRect().right`); w > 391 {
		t.Errorf("the results reach %v px on a 390 px phone", w)
	}
	b.open("/search?q=kaputt")
	b.screenshot("search-page-phone")
	if !b.fitsWidth() {
		t.Error("the search page does not fit a phone's width")
	}
	b.checkNoScriptProblems()
}
