package browser

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"frontdesk/jobs"
	"frontdesk/ticket"
)

// TestFailedAndUnknownRepliesAreSentAgain: a reply the customer's server
// refuses for good shows failed on its ticket with the server's word and a
// "Send again" button; pressed once the address works again, the reply is
// delivered once. A reply whose connection was cut after its final dot
// shows unknown; its "Send again" asks first (declined, nothing goes out),
// and confirmed sends it once more. A manager sees a dead send under
// Undelivered, on a laptop and on a phone, and sends it again or dismisses
// it there; an assistant is refused the page.
func TestFailedAndUnknownRepliesAreSentAgain(t *testing.T) {
	d := newDesk(t, deskOptions{})
	d.addUser(t, "assistant", "sam", "sam-first-day-2026")
	d.addUser(t, "manager", "max", "max-first-day-2026")
	const gone = "gone@example.org"
	failedID := d.seedMailFrom(t, "Where is my order?", "Order 77 has not come.", "<o77@example.org>")
	unknownID := d.seedMailFrom(t, "Invoice please", "Please send the invoice.", "<inv@example.org>")

	b := newBrowser(t, d.url, browserOptions{})
	b.login("sam", "sam-first-day-2026")
	reply := func(id, text string) {
		t.Helper()
		b.open("/tickets/" + id)
		b.do("write the reply", chromedp.SendKeys(chromedp.ID("reply-text"), text))
		b.submit("send the reply", chromedp.Click(chromedp.ID("reply-send")))
	}
	delivery := func(state string) string {
		return `document.querySelector("article.message.out .delivery")?.dataset.delivery === "` + state + `"`
	}
	sent := func(text string) int {
		n := 0
		for _, m := range d.sink.Received() {
			if strings.Contains(string(m.Data), text) {
				n++
			}
		}
		return n
	}

	// Refused for good: failed, with the server's word and Send again.
	d.sink.Refuse(mailCustomer, true)
	reply(failedID, "Your order ships today.")
	b.reloadUntil("the refused reply failed", "/tickets/"+failedID, delivery("failed"))
	if s := b.text("article.message.out .delivery"); !strings.Contains(s, "550") {
		t.Errorf("the failed reply's delivery reads %q, want the server's 550", s)
	}
	if !b.exists("article.message.out form.send-again button") || b.exists("article.message.out form.send-again[data-confirm]") {
		t.Fatal("the failed reply has no Send again, or it asks first (only an unknown one may have arrived)")
	}
	restore := b.phoneWidth()
	b.screenshot("reply-failed-phone")
	if !b.fitsWidth() {
		t.Error("at phone width the ticket with a failed reply is wider than the screen")
	}
	restore()
	d.sink.Refuse(mailCustomer, false)
	b.submit("send the failed reply again", chromedp.Click(chromedp.CSS("article.message.out form.send-again button")))
	if s := b.text(".notice"); s != "The message goes out again." {
		t.Errorf("notice after Send again: %q", s)
	}
	b.reloadUntil("the reply sent again delivered", "/tickets/"+failedID, delivery("sent"))
	if b.exists("article.message.out form.send-again") {
		t.Error("a sent reply still offers Send again")
	}
	waitFor(t, "the reply in the sink", func() bool { return sent("Your order ships today.") > 0 })

	// Cut after the final dot: unknown; Send again asks first.
	d.sink.CutAfterDot(1)
	reply(unknownID, "Invoice 2026-31 attached.")
	b.reloadUntil("the cut reply unknown", "/tickets/"+unknownID, delivery("unknown"))
	if n := sent("Invoice 2026-31 attached."); n != 1 {
		t.Fatalf("the sink kept the cut reply %d times, want once", n)
	}
	if !b.exists("article.message.out form.send-again[data-confirm]") {
		t.Fatal("the unknown reply's Send again does not ask first")
	}

	// The manager's Undelivered page lists it; an assistant is refused.
	if st := b.open("/outbox"); st != 403 {
		t.Errorf("an assistant opens Undelivered: %d, want 403", st)
	}
	m := b.newSession(browserOptions{})
	m.login("max", "max-first-day-2026")
	if st := m.open("/outbox"); st != 200 {
		t.Fatalf("Undelivered: %d", st)
	}
	row := `#outbox-list tr[data-send^="` + unknownID + `-"]`
	if s := m.text(row); !strings.Contains(s, "#"+unknownID) || !strings.Contains(strings.ToLower(s), "unknown") {
		t.Errorf("Undelivered's row for the cut reply reads %q", s)
	}
	if m.exists(`#outbox-list tr[data-send^="` + failedID + `-"]`) {
		t.Error("Undelivered still lists the reply sent again and delivered")
	}
	restore = m.phoneWidth()
	m.screenshot("undelivered-phone")
	if !m.fitsWidth() {
		t.Error("at phone width Undelivered is wider than the screen")
	}
	restore()

	// Declined: nothing goes out. Confirmed: it goes out once, even clicked
	// again on the ticket meanwhile.
	before := len(m.openedDialogs())
	m.do("press Send again and decline", chromedp.Click(chromedp.CSS(row+" form[data-confirm] button")))
	m.waitJS("the question asked", `true`)
	dialogs := m.openedDialogs()
	if len(dialogs) != before+1 || !strings.Contains(dialogs[len(dialogs)-1], "The customer may get it twice") {
		t.Fatalf("dialogs after Send again: %q", dialogs[before:])
	}
	if p := m.path(); p != "/outbox" || !m.exists(row) {
		t.Fatalf("declined, the page is %s and the row there: %v", p, m.exists(row))
	}
	m.do("answer yes on this page", chromedp.Evaluate[chromedp.Void](`window.confirm = () => true`))
	m.submit("send the unknown reply again", chromedp.Click(chromedp.CSS(row+" form[data-confirm] button")))
	if s := m.text(".notice"); s != "The message goes out again." {
		t.Errorf("notice after Send again: %q", s)
	}
	if m.exists(row) {
		t.Error("Undelivered still lists the reply sent again")
	}
	b.reloadUntil("the unknown reply sent again", "/tickets/"+unknownID, delivery("sent"))
	waitFor(t, "the reply sent again in the sink", func() bool { return sent("Invoice 2026-31 attached.") == 2 })
	if n := sent("Your order ships today."); n != 1 {
		t.Errorf("the first reply arrived %d times, want once", n)
	}

	// Refused again, then dismissed: off the list, the ticket keeps it.
	d.sink.Refuse(mailCustomer, true)
	reply(failedID, "One more thing.")
	b.reloadUntil("the second reply failed", "/tickets/"+failedID,
		`[...document.querySelectorAll("article.message.out .delivery")].some(e => e.dataset.delivery === "failed")`)
	m.open("/outbox")
	row = `#outbox-list tr[data-send^="` + failedID + `-"]`
	if s := m.text(row); !strings.Contains(s, "550") {
		t.Errorf("Undelivered's row for the refused reply reads %q", s)
	}
	m.submit("dismiss", chromedp.Click(chromedp.CSS(row+` form[action$="/dismiss"] button`)))
	if s := m.text(".notice"); s != "Taken off the list." {
		t.Errorf("notice after Dismiss: %q", s)
	}
	if !m.exists("#outbox-empty") {
		t.Errorf("Undelivered after Dismiss: %q", m.text("main"))
	}
	b.open("/tickets/" + failedID)
	if n := eval[int](b, `document.querySelectorAll("article.message.out form.send-again").length`); n != 1 {
		t.Errorf("the dismissed failed reply offers Send again %d times on its ticket, want once", n)
	}
	b.checkNoScriptProblems()
	m.checkNoScriptProblems()
}

// TestUndeliveredDownloads: a voicemail's recording whose download is
// refused at once (a URL frontdesk may not fetch) leaves a warning on the
// ticket pointing to Undelivered, where a manager, on a phone too, finds it
// under the files that could not be downloaded with its ticket and the
// reason; Try again runs it once more (it gives up again: a second
// warning), Dismiss takes it off the list and the ticket keeps its
// warnings.
func TestUndeliveredDownloads(t *testing.T) {
	d := newDesk(t, deskOptions{})
	d.addUser(t, "manager", "max", "max-first-day-2026")
	ctx := context.Background()
	rc := d.create(t, ticket.NewTicket{
		Channel: ticket.ChannelVoice, Queue: "phone", Subject: "Voicemail from " + caller,
		Customer: ticket.Customer{Phone: caller},
		Message: ticket.NewMessage{SourceKey: "twilio:recording:REdead", Channel: ticket.ChannelVoice, Kind: ticket.KindVoicemail,
			From: caller, To: []string{deskNumber}, By: "intake:twilio", Text: "Please call back."},
	})
	q := jobs.New("media", &jobs.Options{Redis: d.rdb, Prefix: d.prefix})
	payload := `{"ticket":"` + rc.TicketID + `","message":"` + rc.MessageID + `","source":"twilio:recording:REdead:file",` +
		`"url":"http://127.0.0.1:9/REdead.wav","filename":"voicemail-REdead.wav","content_type":"audio/wav"}`
	if err := q.Enqueue(ctx, jobs.Job{ID: "twilio:recording:REdead:file", Kind: "media", Payload: []byte(payload)}, time.Time{}); err != nil {
		t.Fatal(err)
	}
	dead := func() int64 {
		st, err := q.Stats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return st.Dead
	}
	waitFor(t, "the download dead", func() bool { return dead() == 1 })

	b := newBrowser(t, d.url, browserOptions{})
	b.login("max", "max-first-day-2026")
	b.open("/tickets/" + rc.TicketID)
	if s := b.text("#events"); !strings.Contains(s, "could not be downloaded") || !strings.Contains(s, "Undelivered page") {
		t.Errorf("the ticket's events: %q", s)
	}
	if st := b.open("/outbox"); st != 200 {
		t.Fatalf("Undelivered: %d", st)
	}
	row := `#downloads-list tr[data-job="twilio:recording:REdead:file"]`
	if s := b.text(row); !strings.Contains(s, "#"+rc.TicketID) || !strings.Contains(s, "Voicemail recording") ||
		!strings.Contains(s, "The file's address is not one frontdesk may fetch from.") {
		t.Errorf("the dead download's row reads %q", s)
	}
	if href := eval[string](b, `document.querySelector('`+row+` a').getAttribute("href")`); href != "/tickets/"+rc.TicketID+"#msg-"+rc.MessageID {
		t.Errorf("the row links to %q", href)
	}
	restore := b.phoneWidth()
	b.screenshot("undelivered-downloads-phone")
	if !b.fitsWidth() {
		t.Error("at phone width Undelivered with a dead download is wider than the screen")
	}
	restore()

	b.submit("try the download again", chromedp.Click(chromedp.CSS(row+` form[action$="/retry"] button`)))
	if s := b.text(".notice"); s != "The download is tried again." {
		t.Errorf("notice after Try again: %q", s)
	}
	warnings := func() int {
		tk, err := d.store.Get(ctx, rc.TicketID)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range tk.Events {
			if e.Type == "warning" && strings.Contains(e.Detail, "gave up") {
				n++
			}
		}
		return n
	}
	waitFor(t, "the download tried again and given up again", func() bool { return warnings() == 2 && dead() == 1 })
	b.open("/outbox")
	b.submit("dismiss the download", chromedp.Click(chromedp.CSS(row+` form[action$="/dismiss"] button`)))
	if s := b.text(".notice"); s != "Taken off the list." {
		t.Errorf("notice after Dismiss: %q", s)
	}
	if b.exists("#downloads-list") || dead() != 0 {
		t.Errorf("after Dismiss the page lists downloads (%v) or the queue has %d dead", b.exists("#downloads-list"), dead())
	}
	if n := warnings(); n != 2 {
		t.Errorf("the ticket keeps %d gave-up warnings, want 2", n)
	}
	b.checkNoScriptProblems()
}
