package browser

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"frontdesk/accounts"
	"frontdesk/config"
	fdesk "frontdesk/desk"
	"frontdesk/intake/email"
	"frontdesk/intake/imappoll"
)

// TestInviteToAnAppointment: an assistant sends a reply with an invitation
// from the folded "Invite to an appointment" section (laptop and phone
// width); the mail carries the iCalendar REQUEST; the customer's Accept,
// as Gmail writes it, comes in through mail intake and shows on the ticket
// and, confirmed, in the calendar feed.
func TestInviteToAnAppointment(t *testing.T) {
	d := newDesk(t, deskOptions{})
	d.addUser(t, "assistant", "sam", "sam-first-day-2026")
	id := d.seedMail(t, "A new frame", "Can I come by for a fitting?")

	b := newBrowser(t, d.url, browserOptions{})
	b.login("sam", "sam-first-day-2026")
	if st := b.open("/tickets/" + id); st != 200 {
		t.Fatalf("ticket page: %d", st)
	}
	if !b.exists("#reply-invite") || b.exists("#reply-invite[open]") {
		t.Fatal("the reply form has no folded invitation section")
	}
	b.do("open the invitation section", chromedp.Click(chromedp.CSS("#reply-invite summary")))
	restore := b.phoneWidth()
	b.screenshot("invite-phone")
	if !b.fitsWidth() {
		t.Error("at phone width the invitation fields are wider than the screen")
	}
	restore()
	if !b.fitsWidth() {
		t.Error("at laptop width the invitation fields are wider than the screen")
	}
	day := time.Now().AddDate(0, 0, 9).Format("2006-01-02")
	b.do("fill in the appointment",
		chromedp.SendKeys(chromedp.ID("reply-text"), "Would this time suit you?"),
		chromedp.SendKeys(chromedp.ID("invite-title"), "Fitting"),
		chromedp.SetValue(chromedp.ID("invite-start"), day+"T10:00"),
		chromedp.SetValue(chromedp.ID("invite-end"), day+"T11:00"),
		chromedp.SendKeys(chromedp.ID("invite-location"), "Shop, Main Street 1"),
	)
	b.screenshot("invite-filled")
	b.submit("send", chromedp.Click(chromedp.ID("reply-send")))
	if s := b.text(".notice"); !strings.HasPrefix(s, "Reply queued to") {
		t.Fatalf("notice %q", s)
	}
	if s := b.text("#invitations .invitation"); !strings.Contains(s, "Fitting") || !strings.Contains(s, "waiting for an answer") {
		t.Fatalf("the ticket shows the invitation as %q", s)
	}
	if strings.Contains(b.text("main"), "invite_uid") {
		t.Error("the reply shows the invitation's internal fields")
	}
	tk, err := d.store.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if len(tk.Invitations) != 1 {
		t.Fatalf("invitations %+v", tk.Invitations)
	}
	uid := tk.Invitations[0].UID

	// The mail carries the REQUEST.
	deadline := time.Now().Add(20 * time.Second)
	for {
		got := d.sink.Received()
		if len(got) > 0 && strings.Contains(string(got[len(got)-1].Data), "method=REQUEST") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no mail with the invitation reached the server (%d mails)", len(got))
		}
		time.Sleep(50 * time.Millisecond)
	}

	// Ann accepts in Gmail; the answer comes in through mail intake.
	raw, err := os.ReadFile("../../intake/mailparse/testdata/itip/gmail-accepted.eml")
	if err != nil {
		t.Fatal(err)
	}
	reply := strings.ReplaceAll(string(raw), "frontdesk-1b2c3d4e5f60718293a4b5c6d7e8f90a@example.com", uid)
	reply = strings.ReplaceAll(reply, "ann@example.org", mailCustomer)
	importAnswer(t, d, reply)

	b.reloadUntil("the invitation accepted", "/tickets/"+id,
		`document.querySelector("#invitations .invitation")?.dataset.state === "accepted"`)
	if s := b.text("#invitations .invite-state"); s != "accepted" {
		t.Errorf("the invitation reads %q", s)
	}
	if !strings.Contains(b.text("main"), "invitation accepted") {
		t.Error("the timeline does not say the invitation was accepted")
	}
	restore = b.phoneWidth()
	b.screenshot("invite-accepted-phone")
	if !b.fitsWidth() {
		t.Error("at phone width the accepted invitation is wider than the screen")
	}
	restore()

	// The feed has it, confirmed.
	token, err := accounts.New(d.rdb, d.prefix).CalendarToken(context.Background(), "sam")
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(d.url + "/api/v1/calendar.ics?token=" + url.QueryEscape(token))
	if err != nil {
		t.Fatal(err)
	}
	feed, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(feed), "UID:"+uid) || !strings.Contains(string(feed), "STATUS:CONFIRMED") ||
		!strings.Contains(string(feed), "SUMMARY:Fitting") {
		t.Fatalf("feed %d:\n%s", resp.StatusCode, feed)
	}
	if n := len(d.sink.Received()); n != 1 {
		t.Errorf("%d mails sent; the answer must not be acknowledged", n)
	}
	b.checkNoScriptProblems()
}

// importAnswer hands a mail to the email intake, as a poller would after
// fetching it from the desk's mailbox.
func importAnswer(t *testing.T, d *desk, raw string) {
	t.Helper()
	cfg, err := config.Parse([]byte(`
redis: {url: "redis://127.0.0.1:6379/0"}
mailboxes:
  - {name: support, host: imap.example.com, username: u, password: p, address: support@example.com, queue: support}
queues:
  - {name: support, address: "Support <support@example.com>"}
`), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	cfg.Redis.Prefix = d.prefix
	im := email.NewImporter(fdesk.New(d.store, cfg, nil), nil)
	m := imappoll.Mail{Mailbox: "support", UIDValidity: 1, UID: 1, Size: int64(len(raw)), Raw: []byte(raw), Attempt: 1, Received: time.Now()}
	if err := im.Handle(context.Background(), m); err != nil {
		t.Fatalf("import the answer: %v", err)
	}
}
