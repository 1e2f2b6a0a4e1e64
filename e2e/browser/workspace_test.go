package browser

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/emersion/go-ical"

	"frontdesk/ticket"
)

// seedMailFrom stores a mail from the seeded mail customer with a subject
// and Message-ID of its own, and returns its ticket's id.
func (d *desk) seedMailFrom(t *testing.T, subject, text, messageID string) string {
	t.Helper()
	return d.create(t, ticket.NewTicket{
		Channel: ticket.ChannelEmail, Queue: "support", Subject: subject,
		Customer: ticket.Customer{Name: "Ann Lee", Email: mailCustomer},
		Message: ticket.NewMessage{
			SourceKey: "browser:mail:" + messageID, Channel: ticket.ChannelEmail,
			From: "Ann Lee <" + mailCustomer + ">", To: []string{"support@example.com"},
			Subject: subject, Text: text, MessageID: messageID,
		},
	}).TicketID
}

// TestAssistantNotesChangesSnoozesAndMerges: an assistant writes a note
// mentioning a colleague (picking the name from the list @ offers), raises
// the ticket's priority and tags it, snoozes it until tomorrow morning and
// finds it on their snoozed list; then merges the customer's second ticket
// into it. The colleague, on a phone, sees the mention counted in the
// navigation and listed on their tickets, and the merged conversation fits
// the phone's width.
func TestAssistantNotesChangesSnoozesAndMerges(t *testing.T) {
	d := newDesk(t, deskOptions{})
	d.addUser(t, "assistant", "sam", "sam-first-day-2026")
	d.addUser(t, "assistant", "kim", "kim-first-day-2026")
	first := d.seedMailFrom(t, "Order 553 arrived broken", "The lamp arrived broken.", "<o553@example.org>")
	second := d.seedMailFrom(t, "Photos of the lamp", "Here are the photos.", "<photos@example.org>")

	b := newBrowser(t, d.url, browserOptions{timezone: "Europe/Amsterdam"})
	b.login("sam", "sam-first-day-2026")
	if st := b.open("/tickets/" + first); st != 200 {
		t.Fatalf("ticket page: %d", st)
	}

	// A note: @ki offers kim; Enter takes the name.
	b.do("type @ki in the note box", chromedp.Click(chromedp.ID("note-text")), press("@ki"))
	b.waitJS("the names offered after @", `(() => {
		const l = document.getElementById("note-text-mentions");
		return !!l && !l.hidden && l.textContent.trim() === "@kim";
	})()`)
	b.do("take kim and write the note", press("\r"), press("please check the stock"))
	if v := eval[string](b, `document.getElementById("note-text").value`); v != "@kim please check the stock" {
		t.Fatalf("the note box holds %q", v)
	}
	b.submit("add the note", chromedp.Click(chromedp.ID("note-add")))
	if s := b.text("article.message.internal header"); !strings.Contains(s, "Note") || !strings.Contains(s, "by sam") || !strings.Contains(s, "not sent to the customer") {
		t.Errorf("the note's header reads %q", s)
	}
	if s := b.text("article.message.internal .body"); s != "@kim please check the stock" {
		t.Errorf("the note reads %q", s)
	}
	if s := b.text("#events"); !strings.Contains(s, "note mentioning kim") {
		t.Errorf("events: %q", s)
	}
	if n := len(d.sink.Received()); n != 0 {
		t.Errorf("a note sent %d mails", n)
	}

	// Change priority and tags.
	b.do("choose high, tag it", chromedp.Click(chromedp.ID("change-open")),
		chromedp.SetValue(chromedp.ID("change-priority"), "high"),
		chromedp.SetValue(chromedp.ID("change-tags"), "Refund, damaged"))
	b.submit("save the change", chromedp.Click(chromedp.ID("change-save")))
	if s := b.text(".notice"); !strings.Contains(s, "changed") {
		t.Errorf("notice: %q", s)
	}
	if s := b.text("#events"); !strings.Contains(s, "priority normal → high") || !strings.Contains(s, "+refund +damaged") {
		t.Errorf("events after the change: %q", s)
	}
	if v := eval[string](b, `document.getElementById("change-tags").value`); v != "refund, damaged" {
		t.Errorf("the tags field shows %q", v)
	}

	// Snooze until tomorrow 9:00, in the browser's timezone.
	b.do("open Snooze", chromedp.Click(chromedp.ID("snooze-open")))
	b.submit("snooze until tomorrow", chromedp.Click(chromedp.ID("snooze-tomorrow")))
	if p := b.path(); p != "/mine" {
		t.Errorf("after snoozing the browser shows %s, want /mine", p)
	}
	if s := b.text(".notice"); !strings.Contains(s, "#"+first+" is snoozed until") || !strings.Contains(s, "09:00 CET") {
		t.Errorf("notice after snoozing: %q, want tomorrow 09:00 Amsterdam time", s)
	}
	if s := b.text("#list-snoozed"); !strings.Contains(s, "#"+first) || !strings.Contains(s, "9:00") {
		t.Errorf("the snoozed list: %q", s)
	}
	if s := b.text("#list-pending"); strings.Contains(s, "#"+first) {
		t.Errorf("the snoozed ticket is also listed as pending: %q", s)
	}
	b.open("/tickets/" + first)
	if s := b.text("#snoozed-banner"); !strings.Contains(s, "Snoozed until") || !strings.Contains(s, "by sam") {
		t.Errorf("the ticket's banner: %q", s)
	}

	// Merge the second ticket into the first.
	b.open("/tickets/" + second)
	b.do("fill in the ticket to merge into", chromedp.Click(chromedp.ID("merge-open")), chromedp.SendKeys(chromedp.ID("merge-into"), "#"+first))
	b.do("answer yes on this page", chromedp.Evaluate[chromedp.Void](`window.confirm = () => true`))
	b.submit("merge", chromedp.Click(chromedp.ID("merge-submit")))
	if p := b.path(); p != "/tickets/"+first {
		t.Fatalf("after merging the browser shows %s, want ticket %s", p, first)
	}
	if n := eval[int](b, `document.querySelectorAll("article.message.in").length`); n != 2 {
		t.Errorf("the ticket left shows %d customer messages, want both", n)
	}
	if s := b.text("#events"); !strings.Contains(s, "#"+second+" merged into this ticket") {
		t.Errorf("events: %q", s)
	}
	b.open("/tickets/" + second)
	if s := b.text("#merged-banner"); !strings.Contains(s, "merged into #"+first) {
		t.Errorf("the merged ticket's banner: %q", s)
	}
	if b.exists("#reply-form") || b.exists("#note-form") || b.exists("#merge-form") {
		t.Errorf("the merged ticket still offers to reply, note or merge")
	}
	b.checkNoScriptProblems()

	// kim, on a phone: one new mention, listed on her tickets.
	k := b.newSession(browserOptions{phone: true})
	k.login("kim", "kim-first-day-2026")
	if s := k.text("#new-mentions"); !strings.HasPrefix(s, "1") {
		t.Errorf("kim's navigation counts %q new mentions, want 1", s)
	}
	k.open("/mine")
	if s := k.text("#list-mentions"); !strings.Contains(s, "#"+first) {
		t.Errorf("kim's mentions: %q", s)
	}
	k.open("/")
	if k.exists("#new-mentions") {
		t.Errorf("the mentions are still counted as new after kim looked")
	}
	k.open("/tickets/" + first)
	k.screenshot("ticket-phone-merged")
	if !k.fitsWidth() {
		t.Errorf("the ticket page is wider than the phone: %v px", eval[int](k, `document.documentElement.scrollWidth`))
	}
	k.checkNoScriptProblems()
}

// TestAssistantPlansACallback: on a voicemail, the assistant finds the
// caller's number as a link to call, plans a call-back for later today in
// their own timezone with a note, sees it planned on the ticket and on the
// queue board's "call-backs today", and cancels it.
func TestAssistantPlansACallback(t *testing.T) {
	d := newDesk(t, deskOptions{})
	d.addUser(t, "assistant", "sam", "sam-first-day-2026")
	id := d.seedVoicemail(t, 1, "Please call me back about the delivery.")

	b := newBrowser(t, d.url, browserOptions{timezone: "America/New_York"})
	b.login("sam", "sam-first-day-2026")
	b.open("/tickets/" + id)
	if href := eval[string](b, `(document.getElementById("call-now") || {}).href || ""`); href != "tel:"+caller {
		t.Errorf("the call link is %q, want tel:%s", href, caller)
	}
	// Later today in New York, as the datetime field takes it.
	at := time.Now().Add(2 * time.Hour).Truncate(time.Minute)
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no timezone data:", err)
	}
	b.do("fill in the call-back", chromedp.Click(chromedp.ID("callback-open")), chromedp.SetValue(chromedp.ID("callback-at"), at.In(ny).Format("2006-01-02T15:04")),
		chromedp.SendKeys(chromedp.ID("callback-note"), "about the delivery"))
	b.submit("plan it", chromedp.Click(chromedp.ID("callback-plan")))
	if s := b.text(".notice"); !strings.Contains(s, "Call-back planned for") || !strings.Contains(s, at.In(ny).Format("15:04")) {
		t.Errorf("notice: %q, want the time in New York, %s", s, at.In(ny).Format("15:04"))
	}
	tk, err := d.store.Get(t.Context(), id)
	if err != nil || tk.Callback == nil || !tk.Callback.At.Equal(at) || tk.Callback.Note != "about the delivery" {
		t.Fatalf("stored call-back = %+v, %v; want %v", tk.Callback, err, at)
	}
	if s := b.text("#callback-planned"); !strings.Contains(s, "by sam") || !strings.Contains(s, "about the delivery") {
		t.Errorf("the ticket says %q", s)
	}
	if s := b.text("#events"); !strings.Contains(s, "call-back planned") {
		t.Errorf("events: %q", s)
	}

	// The board lists it when it is today in the desk's timezone (UTC).
	if at.UTC().YearDay() == time.Now().UTC().YearDay() {
		b.open("/")
		if s := b.text("#callbacks-today"); !strings.Contains(s, "#"+id) || !strings.Contains(s, "about the delivery") || !strings.Contains(s, caller) {
			t.Errorf("call-backs today: %q", s)
		}
		if !b.exists(`#callbacks-today a.tel[href="tel:` + caller + `"]`) {
			t.Errorf("the board has no link to call %s", caller)
		}
	}

	// The calendar app's view: the feed at the address My tickets shows.
	b.open("/mine")
	feedURL := eval[string](b, `document.getElementById("calendar-url").value`)
	events := fetchCalendar(t, feedURL)
	if len(events) != 1 {
		t.Fatalf("the calendar feed has %d events, want the call-back", len(events))
	}
	if start, _ := events[0].DateTimeStart(time.UTC); !start.Equal(at) {
		t.Errorf("the call-back starts at %v in the feed, want %v", start, at)
	}
	if s, _ := events[0].Props.Text(ical.PropDescription); !strings.Contains(s, "about the delivery") {
		t.Errorf("the event's description: %q", s)
	}

	b.open("/tickets/" + id)
	b.submit("cancel it", chromedp.Click(chromedp.ID("callback-cancel")))
	if b.exists("#callback-planned") {
		t.Errorf("the cancelled call-back still shows")
	}
	b.open("/")
	if b.exists("#callbacks-today") {
		t.Errorf("the board still lists the cancelled call-back")
	}
	b.checkNoScriptProblems()
}

// fetchCalendar fetches a calendar feed as a calendar app does and reads its
// events with an iCalendar parser.
func fetchCalendar(t *testing.T, feedURL string) []ical.Event {
	t.Helper()
	resp, err := http.Get(feedURL)
	if err != nil {
		t.Fatalf("fetch the calendar feed: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/calendar") {
		t.Fatalf("the calendar feed answered %d, %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	cal, err := ical.NewDecoder(resp.Body).Decode()
	if err != nil {
		t.Fatalf("read the calendar feed: %v", err)
	}
	return cal.Events()
}
