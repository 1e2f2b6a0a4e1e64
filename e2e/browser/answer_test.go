package browser

import (
	"bytes"
	"context"
	"fmt"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"frontdesk/intake/mailparse"
)

// phoneWidth shows the page as a phone does (390 CSS pixels wide) until
// the returned func restores the laptop's window.
func (b *browser) phoneWidth() func() {
	b.t.Helper()
	b.do("phone width", chromedp.EmulateViewport(390, 844))
	return func() { b.do("laptop width", chromedp.EmulateViewport(1280, 1000)) }
}

// TestReplyWithAttachmentAndCopies: an assistant opens Cc/Bcc (a
// <details>), copies a colleague and blind-copies the boss, attaches a
// file and sends; the customer's mail carries the file and the Cc, names
// no Bcc, and went to all three; the ticket shows the reply's file like a
// customer's.
func TestReplyWithAttachmentAndCopies(t *testing.T) {
	d := newDesk(t, deskOptions{})
	d.addUser(t, "assistant", "sam", "sam-first-day-2026")
	id := d.seedMail(t, "Invoice missing", "I did not get the invoice for order 553.")
	dir := t.TempDir()
	invoice := filepath.Join(dir, "invoice-553.pdf")
	pdf := []byte("%PDF-1.4\n" + strings.Repeat("invoice line\n", 40))
	if err := os.WriteFile(invoice, pdf, 0o600); err != nil {
		t.Fatal(err)
	}

	b := newBrowser(t, d.url, browserOptions{})
	b.login("sam", "sam-first-day-2026")
	if st := b.open("/tickets/" + id); st != 200 {
		t.Fatalf("ticket page: %d", st)
	}
	if eval[bool](b, `document.getElementById("reply-cc").checkVisibility()`) {
		t.Error("Cc shows before Cc/Bcc is opened")
	}
	restore := b.phoneWidth()
	b.screenshot("reply-form-phone")
	if w := eval[float64](b, `document.documentElement.scrollWidth`); w > 390 {
		t.Errorf("at phone width the ticket page is %.0f px wide", w)
	}
	restore()
	b.do("open Cc/Bcc and fill the form",
		chromedp.Click(chromedp.CSS("#reply-copies summary")),
		chromedp.SendKeys(chromedp.ID("reply-cc"), "Carl Berg <carl@example.org>"),
		chromedp.SendKeys(chromedp.ID("reply-bcc"), "boss@example.org"),
		chromedp.SetUploadFiles(chromedp.ID("reply-files"), []string{invoice}),
		chromedp.SendKeys(chromedp.ID("reply-text"), "Here is your invoice."),
	)
	b.screenshot("reply-form-filled")
	b.submit("send", chromedp.Click(chromedp.ID("reply-send")))
	if s := b.text(".notice"); s != "Reply queued to "+mailCustomer+", Carl Berg <carl@example.org>, boss@example.org." {
		t.Errorf("notice %q", s)
	}
	if s := b.text("article.message.out .attachments"); !strings.Contains(s, "invoice-553.pdf") {
		t.Errorf("the reply's files on the page: %q", s)
	}
	if s := b.text("article.message.out header"); !strings.Contains(s, "Carl Berg") || !strings.Contains(s, "boss@example.org") {
		t.Errorf("the reply's header on the page: %q, want its Cc and Bcc", s)
	}

	waitFor(t, "the reply at the SMTP sink", func() bool { return len(d.sink.Received()) > 0 })
	got := d.sink.Received()[0]
	if want := []string{mailCustomer, "carl@example.org", "boss@example.org"}; !slices.Equal(got.To, want) {
		t.Errorf("RCPT TO %v, want %v", got.To, want)
	}
	hdr, err := mail.ReadMessage(bytes.NewReader(got.Data))
	if err != nil {
		t.Fatal(err)
	}
	if hdr.Header.Get("Bcc") != "" || bytes.Contains(got.Data, []byte("boss@example.org")) {
		t.Errorf("the mail names its blind copy")
	}
	m, err := mailparse.Parse(got.Data, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Cc) != 1 || m.Cc[0].Address != "carl@example.org" {
		t.Errorf("Cc %+v", m.Cc)
	}
	if len(m.Attachments) != 1 || m.Attachments[0].Filename != "invoice-553.pdf" || !bytes.Equal(m.Attachments[0].Data, pdf) {
		t.Errorf("attachments %+v, want the invoice as uploaded", m.Attachments)
	}
	b.checkNoScriptProblems()
}

// TestForwardAMessage: the Forward action under the customer's mail opens a
// small form; sent, the mail goes to the third party alone under "Fwd:",
// with the assistant's words above the customer's, and the forward shows on
// the ticket.
func TestForwardAMessage(t *testing.T) {
	d := newDesk(t, deskOptions{})
	d.addUser(t, "assistant", "sam", "sam-first-day-2026")
	id := d.seedMail(t, "Parcel damaged", "The parcel of order 553 arrived crushed.")
	b := newBrowser(t, d.url, browserOptions{})
	b.login("sam", "sam-first-day-2026")
	if st := b.open("/tickets/" + id); st != 200 {
		t.Fatalf("ticket page: %d", st)
	}
	if eval[bool](b, `document.querySelector("#forward-m1 input[name=to]").checkVisibility()`) {
		t.Error("the forward form shows before Forward is clicked")
	}
	b.do("open the forward form and fill it",
		chromedp.Click(chromedp.CSS("#msg-m1 .forward summary")),
		chromedp.SendKeys(chromedp.CSS("#forward-m1 input[name=to]"), "Claims <claims@carrier.example>"),
		chromedp.SendKeys(chromedp.CSS("#forward-m1 textarea[name=text]"), "Please open a claim for this parcel."),
	)
	b.screenshot("forward-form")
	b.submit("forward", chromedp.Click(chromedp.CSS("#forward-m1 button[type=submit]")))
	if s := b.text(".notice"); s != "Message forwarded to Claims <claims@carrier.example>." {
		t.Errorf("notice %q", s)
	}
	if s := b.text(`article.message.out[data-kind="forward"] .body`); !strings.Contains(s, "Please open a claim") || !strings.Contains(s, "arrived crushed") {
		t.Errorf("the forward on the page: %q", s)
	}
	waitFor(t, "the forward at the SMTP sink", func() bool { return len(d.sink.Received()) > 0 })
	got := d.sink.Received()[0]
	if !slices.Equal(got.To, []string{"claims@carrier.example"}) {
		t.Errorf("the forward went to %v, want the carrier alone", got.To)
	}
	m, err := mailparse.Parse(got.Data, nil)
	if err != nil {
		t.Fatal(err)
	}
	if m.Subject != "Fwd: Parcel damaged [#"+id+"]" || !strings.Contains(m.Text, "Please open a claim") || !strings.Contains(m.Text, "arrived crushed") {
		t.Errorf("the forward mail: %q\n%s", m.Subject, m.Text)
	}
	if s := b.text("#ticket-status"); s != "new" {
		t.Errorf("status after a forward %q, want it unchanged", s)
	}
	b.checkNoScriptProblems()
}

// TestCannedReplyPicker: a manager adds canned replies on their page; an
// assistant types "#" and a few letters in the reply box, the list shows
// the matching ones, arrows and Enter insert the chosen one filled in for
// the customer; Esc closes the list; the list under the box inserts too.
func TestCannedReplyPicker(t *testing.T) {
	d := newDesk(t, deskOptions{})
	d.addUser(t, "manager", "max", "max-manages-2026")
	d.addUser(t, "assistant", "sam", "sam-first-day-2026")
	id := d.seedMail(t, "Where is my parcel", "It has been a week.")

	m := newBrowser(t, d.url, browserOptions{})
	m.login("max", "max-manages-2026")
	if st := m.open("/canned"); st != 200 {
		t.Fatalf("canned page: %d", st)
	}
	for _, c := range []struct{ name, text string }{
		{"Thanks", "Thank you, {{.CustomerName}}! Ticket #{{.TicketID}}."},
		{"Tracking", "Hello {{.CustomerName}}, your parcel is on its way. {{.Assistant}}"},
		{"Bad", "{{.Password}}"},
	} {
		m.do("fill the add form",
			chromedp.SetValue(chromedp.ID("canned-add-name"), c.name),
			chromedp.SetValue(chromedp.ID("canned-add-text"), c.text),
		)
		if c.name == "Bad" {
			if st := submitStatus(m, chromedp.Click(chromedp.ID("canned-add-submit"))); st != 400 {
				t.Fatalf("a bad template answered %d, want 400", st)
			}
			if s := m.text(".problem"); !strings.Contains(s, "{{.Password}} is not allowed") {
				t.Errorf("the problem says %q", s)
			}
			continue
		}
		m.submit("add "+c.name, chromedp.Click(chromedp.ID("canned-add-submit")))
	}
	if n := eval[int](m, `document.querySelectorAll(".canned-item").length`); n != 2 {
		t.Fatalf("%d canned replies on the page, want 2", n)
	}
	m.screenshot("canned-page")

	b := m.newSession(browserOptions{})
	b.login("sam", "sam-first-day-2026")
	if st := b.open("/tickets/" + id); st != 200 {
		t.Fatalf("ticket page: %d", st)
	}
	b.do("type # and letters", chromedp.Click(chromedp.ID("reply-text")), press("Hi. #tr"))
	b.waitJS("the picker shows Tracking alone", `(() => {
		const l = document.getElementById("canned-picker");
		return !l.hidden && l.querySelectorAll("[role=option]").length === 1 && l.textContent.includes("Tracking");
	})()`)
	if v := eval[string](b, `document.getElementById("reply-text").getAttribute("aria-expanded")`); v != "true" {
		t.Errorf("aria-expanded %q while the picker is open", v)
	}
	b.screenshot("canned-picker")
	b.do("Esc closes the list", press(kb.Escape))
	b.waitJS("the picker closed", `document.getElementById("canned-picker").hidden`)
	b.do("delete the word and type # again", press("\b\b\b#"))
	b.waitJS("all canned replies listed", `document.querySelectorAll("#canned-picker [role=option]").length === 2`)
	b.do("arrow down, Enter", press(kb.ArrowDown), press("\r"))
	want := "Hi. Hello Ann Lee, your parcel is on its way. sam"
	b.waitJS("the chosen reply is inserted", fmt.Sprintf(`document.getElementById("reply-text").value === %q`, want))
	if !eval[bool](b, `document.getElementById("canned-picker").hidden`) {
		t.Error("the picker stays open after a choice")
	}
	b.do("the list under the box", chromedp.SetValue(chromedp.ID("canned-select"), "Thanks"), chromedp.Click(chromedp.ID("canned-insert")))
	want += "Thank you, Ann Lee! Ticket #" + id + "."
	b.waitJS("the list's reply is inserted at the caret", fmt.Sprintf(`document.getElementById("reply-text").value === %q`, want))
	if p := b.path(); p != "/tickets/"+id {
		t.Errorf("Insert left the page for %s", p)
	}
	b.submit("send", chromedp.Click(chromedp.ID("reply-send")))
	if s := b.text("article.message.out .body"); s != want {
		t.Errorf("the reply sent reads %q, want %q", s, want)
	}
	b.checkNoScriptProblems()
	m.checkNoScriptProblems()
}

// TestCollisionAndPresence: sam and kim have one ticket open; each page
// shows that the other is viewing it, live. kim takes it: sam's page warns,
// without a reload, that it changed hands; sam's reply is refused, saying
// kim holds it, with what he typed kept, and "Send anyway" sends it.
func TestCollisionAndPresence(t *testing.T) {
	d := newDesk(t, deskOptions{})
	d.addUser(t, "assistant", "sam", "sam-first-day-2026")
	d.addUser(t, "assistant", "kim", "kim-first-day-2026")
	id := d.seedMail(t, "Refund please", "Please refund order 553.")

	sam := newBrowser(t, d.url, browserOptions{})
	sam.login("sam", "sam-first-day-2026")
	kim := sam.newSession(browserOptions{})
	kim.login("kim", "kim-first-day-2026")
	if st := sam.open("/tickets/" + id); st != 200 {
		t.Fatalf("sam's ticket page: %d", st)
	}
	if st := kim.open("/tickets/" + id); st != 200 {
		t.Fatalf("kim's ticket page: %d", st)
	}
	if s := kim.text("#presence"); !strings.Contains(s, "sam is also viewing it.") || !strings.Contains(s, "Nobody holds this ticket") {
		t.Errorf("kim's page says %q", s)
	}
	// sam's page learns of kim at its next ping (every 15 s; shown again
	// after being hidden, at once: the test says it was).
	ping := `document.dispatchEvent(new Event("visibilitychange")), true`
	sam.do("sam types a reply", chromedp.SendKeys(chromedp.ID("reply-text"), "Your refund is on its way."))
	eval[bool](sam, ping)
	sam.waitJS("sam's page shows kim viewing", `document.getElementById("presence").textContent.includes("kim is also viewing it.")`)

	kim.submit("kim takes the ticket", chromedp.Click(chromedp.ID("take")))
	eval[bool](sam, ping)
	sam.waitJS("sam's page warns that the ticket changed hands", `(() => {
		const w = document.querySelector("#presence .changed-hands");
		return !!w && w.textContent.includes("kim holds it now");
	})()`)
	if s := sam.text("#presence .presence"); !strings.Contains(s, "Held by kim") {
		t.Errorf("sam's presence line %q", s)
	}
	if v := eval[string](sam, `document.getElementById("reply-text").value`); v != "Your refund is on its way." {
		t.Errorf("the live update lost sam's text: %q", v)
	}
	sam.screenshot("collision-warning")

	if st := submitStatus(sam, chromedp.Click(chromedp.ID("reply-send"))); st != 409 {
		t.Fatalf("sam's reply to kim's ticket answered %d, want 409", st)
	}
	if s := sam.text(".problem"); !strings.Contains(s, "held by kim") {
		t.Errorf("the refusal says %q", s)
	}
	if v := eval[string](sam, `document.getElementById("reply-text").value`); v != "Your refund is on its way." {
		t.Errorf("the refused form lost sam's text: %q", v)
	}
	sam.screenshot("collision-refused")
	sam.submit("send anyway", chromedp.Click(chromedp.ID("reply-force")))
	if s := sam.text(".notice"); !strings.Contains(s, "Reply queued to "+mailCustomer) {
		t.Errorf("notice after send anyway: %q", s)
	}
	if s := sam.text("#ticket-assignee"); s != "kim" {
		t.Errorf("after sam's forced reply the ticket is held by %q, want kim", s)
	}
	sam.checkNoScriptProblems()
	kim.checkNoScriptProblems()
}

// submitStatus runs actions that send a form and returns the HTTP status
// of the page it leads to.
func submitStatus(b *browser, actions ...chromedp.Action[chromedp.Void]) int64 {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, actions...)
	if err != nil {
		b.t.Fatalf("send the form: %v", err)
	}
	if resp == nil {
		b.t.Fatal("the form led to no page")
	}
	return resp.Status
}
