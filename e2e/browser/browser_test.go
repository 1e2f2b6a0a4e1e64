package browser

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"frontdesk/intake/mailparse"
	"frontdesk/ticket"
)

// TestAssistantAnswersMailAndVoicemail: an assistant who has never signed in
// before signs in, sees the waiting tickets on the queue board, takes the
// next one with "n" (a mail), writes a reply after "r" and sends it with
// Ctrl+Enter; the reply reaches the customer by mail, its badge turns to
// sent, and Close closes the ticket. Then "n" brings the voicemail: its
// recording loads in the player, its transcript shows, and "Send and close"
// answers the caller by SMS and closes it.
func TestAssistantAnswersMailAndVoicemail(t *testing.T) {
	d := newDesk(t, deskOptions{})
	d.addUser(t, "assistant", "sam", "sam-first-day-2026")
	mailID := d.seedMail(t, "Order 553 arrived broken", "The lamp of order 553 arrived broken. Can you send a new one?")
	voiceID := d.seedVoicemail(t, 2, "Hello, this is Bob, please call me back about my delivery.")

	b := newBrowser(t, d.url, browserOptions{})
	b.login("sam", "sam-first-day-2026")

	// The queue board: one mail waiting in support, one voicemail in phone,
	// both listed in the order "take next" takes them.
	b.waitJS("the queue board's counts", `
		document.querySelector('#queue-table tr[data-queue="support"] .waiting').textContent.trim() === "1" &&
		document.querySelector('#queue-table tr[data-queue="phone"] .waiting').textContent.trim() === "1"`)
	if s := b.text(`table.next-up[data-queue="support"] tbody`); !strings.Contains(s, "#"+mailID) || !strings.Contains(s, "Order 553 arrived broken") {
		t.Errorf("next in support: %q, want ticket #%s, Order 553 arrived broken", s, mailID)
	}
	if s := b.text(`table.next-up[data-queue="phone"] tbody`); !strings.Contains(s, "#"+voiceID) || !strings.Contains(s, "Voicemail from "+caller) {
		t.Errorf("next in phone: %q, want ticket #%s, the voicemail", s, voiceID)
	}
	b.screenshot("queue-board")

	// n: take next. The mail waited longest.
	b.submit("take next with n", press("n"))
	if p := b.path(); !strings.HasPrefix(p, "/tickets/"+mailID) {
		t.Fatalf("n led to %s, want ticket %s", p, mailID)
	}
	if s := b.text("#ticket-title"); s != "#"+mailID+" Order 553 arrived broken" {
		t.Errorf("ticket title %q", s)
	}
	if s := b.text("#ticket-assignee"); s != "sam" {
		t.Errorf("assignee %q, want sam", s)
	}
	if s := b.text("#ticket-status"); s != "open" {
		t.Errorf("status %q, want open", s)
	}
	// The mail's HTML shows in its sandboxed frame.
	b.waitJS("the mail's body in its frame", `(() => {
		const f = document.querySelector("iframe.mail-html");
		return !!f && !!f.contentDocument && f.contentDocument.body.textContent.includes("arrived broken");
	})()`)
	// The frame fits its mail: a two-line mail gets no screenful of blank
	// below it, and nothing of it is cut off.
	b.waitJS("the mail frame sized to its content", `(() => {
		const f = document.querySelector("iframe.mail-html");
		const d = f.contentDocument;
		const h = f.getBoundingClientRect().height;
		return d.readyState === "complete" && h >= d.documentElement.offsetHeight && h < 120;
	})()`)

	// r: to the reply box; type; Ctrl+Enter sends.
	reply := "We are sorry! A new lamp is on its way to you today."
	b.do("press r", press("r"))
	if id := eval[string](b, `document.activeElement ? document.activeElement.id : ""`); id != "reply-text" {
		t.Fatalf("after r the focus is on %q, want the reply box", id)
	}
	b.do("type the reply", press(reply))
	if v := eval[string](b, `document.getElementById("reply-text").value`); v != reply {
		t.Fatalf("the reply box holds %q, want %q", v, reply)
	}
	b.submit("send with Ctrl+Enter", press("\r", chromedp.KeyModifiers(chromedp.ModifierCtrl)))
	if s := b.text(".notice"); !strings.Contains(s, "Reply queued to "+mailCustomer) {
		t.Errorf("notice after sending: %q", s)
	}
	if s := b.text("article.message.out .body"); s != reply {
		t.Errorf("the reply on the ticket reads %q, want %q", s, reply)
	}
	b.reloadUntil("the reply's badge says sent", "/tickets/"+mailID,
		`(document.querySelector("article.message.out .delivery") || {dataset: {}}).dataset.delivery === "sent"`)
	if s := b.text("article.message.out .delivery .badge"); s != "sent" {
		t.Errorf("delivery badge %q, want sent", s)
	}

	// The customer got it, once.
	waitFor(t, "the reply at the SMTP sink", func() bool { return len(d.sink.Received()) > 0 })
	got := d.sink.Received()
	if len(got) != 1 {
		t.Fatalf("the SMTP sink got %d mails, want 1", len(got))
	}
	if !slices.Equal(got[0].To, []string{mailCustomer}) {
		t.Errorf("the reply went to %v, want %s", got[0].To, mailCustomer)
	}
	m, err := mailparse.Parse(got[0].Data, nil)
	if err != nil {
		t.Fatalf("read the reply: %v", err)
	}
	if !strings.Contains(m.Text, reply) || !strings.Contains(m.Subject, "[#"+mailID+"]") {
		t.Errorf("the reply mail: subject %q, text %q", m.Subject, m.Text)
	}
	b.screenshot("ticket-mail")

	// Close.
	b.submit("close the mail ticket", chromedp.Click(chromedp.ID("close")))
	if s := b.text("#ticket-status"); s != "closed" {
		t.Errorf("status after Close: %q, want closed", s)
	}
	if b.exists("#close") || !b.exists("#reopen") {
		t.Errorf("a closed ticket offers Close, or no Reopen")
	}

	// n again: the voicemail.
	b.submit("take next with n", press("n"))
	if p := b.path(); !strings.HasPrefix(p, "/tickets/"+voiceID) {
		t.Fatalf("n led to %s, want the voicemail %s", p, voiceID)
	}
	b.waitJS("the recording's metadata in the player", `(() => {
		const a = document.querySelector("article.voicemail audio.voicemail-audio");
		return !!a && a.readyState >= 1 && a.duration > 0;
	})()`)
	if dur := eval[float64](b, `document.querySelector("audio.voicemail-audio").duration`); math.Abs(dur-2) > 0.1 {
		t.Errorf("the recording lasts %.2fs in the player, want 2s", dur)
	}
	if s := b.text("article.voicemail .transcript"); !strings.Contains(s, "please call me back about my delivery") {
		t.Errorf("transcript shown: %q", s)
	}
	if s := b.text(`label[for="reply-text"]`); !strings.Contains(s, caller) || !strings.Contains(s, "by SMS") {
		t.Errorf("the reply box says %q, want a reply to %s by SMS", s, caller)
	}
	b.screenshot("ticket-voicemail")

	sms := "Hi Bob, your delivery arrives tomorrow before noon."
	b.do("type the answer", chromedp.SendKeys(chromedp.ID("reply-text"), sms))
	b.submit("send and close", chromedp.Click(chromedp.ID("reply-send-close")))
	if s := b.text("#ticket-status"); s != "closed" {
		t.Errorf("status after Send and close: %q, want closed", s)
	}
	waitFor(t, "the SMS at the fake Twilio", func() bool { return len(d.twilio.messages()) > 0 })
	b.reloadUntil("the SMS's badge says sent", "/tickets/"+voiceID,
		`(document.querySelector("article.message.out .delivery") || {dataset: {}}).dataset.delivery === "sent"`)
	want := sentSMS{From: deskNumber, To: caller, Body: sms}
	if got := d.twilio.messages(); len(got) != 1 || got[0] != want {
		t.Errorf("the fake Twilio got %+v, want exactly %+v", got, want)
	}
	if n := len(d.sink.Received()); n != 1 {
		t.Errorf("the SMTP sink has %d mails, want still the one reply", n)
	}
	b.checkNoScriptProblems()
}

// TestTimesShowInTheBrowsersTimezone: a page's <time> elements, rendered in
// UTC by the server, show the time in the viewer's own timezone once the
// script ran.
func TestTimesShowInTheBrowsersTimezone(t *testing.T) {
	at := time.Date(2026, 3, 14, 3, 4, 0, 0, time.UTC) // 12:04 in Tokyo
	d := newDesk(t, deskOptions{now: func() time.Time { return at }})
	d.addUser(t, "assistant", "sam", "sam-first-day-2026")
	id := d.create(t, ticket.NewTicket{
		Channel: ticket.ChannelEmail, Queue: "support", Subject: "Opening hours",
		Customer: ticket.Customer{Email: mailCustomer},
		Message: ticket.NewMessage{SourceKey: "browser:tz", Channel: ticket.ChannelEmail,
			From: mailCustomer, To: []string{"support@example.com"}, Subject: "Opening hours", Text: "When are you open?"},
	}).TicketID

	b := newBrowser(t, d.url, browserOptions{timezone: "Asia/Tokyo"})
	b.login("sam", "sam-first-day-2026")
	if st := b.open("/tickets/" + id); st != 200 {
		t.Fatalf("ticket page: %d", st)
	}
	if tz := eval[string](b, `Intl.DateTimeFormat().resolvedOptions().timeZone`); tz != "Asia/Tokyo" {
		t.Fatalf("the browser's timezone is %q, the override did not take", tz)
	}
	// The mail's time, in its header: the server wrote it in UTC; the
	// script shows it as 12:04 PM (or 12:04, by locale) on March 14.
	sel := `article.message header time`
	b.waitJS("the script localises times", fmt.Sprintf(`document.querySelector(%q).title !== ""`, sel))
	if dt := eval[string](b, fmt.Sprintf(`document.querySelector(%q).getAttribute("datetime")`, sel)); dt != "2026-03-14T03:04:00Z" {
		t.Fatalf("datetime attribute %q", dt)
	}
	shown := b.text(sel)
	if !strings.Contains(shown, "12:04") || !strings.Contains(shown, "14") || strings.Contains(shown, "UTC") || strings.Contains(shown, "3:04") {
		t.Errorf("the time shows as %q, want 12:04 on the 14th, Tokyo time", shown)
	}
	if n := eval[int](b, `[...document.querySelectorAll("time[datetime]")].filter(e => e.textContent.includes("UTC")).length`); n != 0 {
		t.Errorf("%d <time> elements still show UTC", n)
	}
	b.checkNoScriptProblems()
}

// A queue board left open after its session ends (signed out elsewhere, or
// expired) goes to the login page instead of showing the login form inside
// the board.
func TestBoardAfterTheSessionEnds(t *testing.T) {
	d := newDesk(t, deskOptions{})
	d.addUser(t, "assistant", "sam", "sam-first-day-2026")
	b := newBrowser(t, d.url, browserOptions{})
	b.login("sam", "sam-first-day-2026")
	if st := b.open("/"); st != 200 {
		t.Fatalf("queue board: %d", st)
	}
	ctx := context.Background()
	keys, err := d.rdb.Keys(ctx, d.prefix+":accounts:{users}:session:*").Result()
	if err != nil || len(keys) != 1 {
		t.Fatalf("session keys %v, %v; want one", keys, err)
	}
	if err := d.rdb.Del(ctx, keys...).Err(); err != nil {
		t.Fatal(err)
	}
	b.waitJS("the board's refresh leads to the login page", `location.pathname === "/login"`)
	if b.exists("#queue-board #login-form") {
		t.Error("the login form was put inside the board")
	}
	if next := eval[string](b, `document.querySelector('input[name="next"]').value`); next != "/" {
		t.Errorf("the login page would lead back to %q, want /", next)
	}
}
