package browser

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"frontdesk/ticket"
)

// TestReplyByFax: on a fax ticket the reply form says "Reply by fax to"
// the sender's number and takes a PDF; sent, the fax service fetches the
// PDF from frontdesk's signed link and faxes it once to the sender, and
// the reply shows delivered once the service reports so.
func TestReplyByFax(t *testing.T) {
	d := newDesk(t, deskOptions{})
	d.addUser(t, "assistant", "sam", "sam-first-day-2026")
	const sender = "+31201234567"
	id := d.create(t, ticket.NewTicket{
		Channel: ticket.ChannelFax, Queue: "phone", Subject: "Fax from " + sender,
		Customer: ticket.Customer{Phone: sender},
		Message: ticket.NewMessage{SourceKey: "browser:fax:1", Channel: ticket.ChannelFax, Kind: ticket.KindFax,
			From: sender, To: []string{deskFaxNumber}, Text: "Fax of 1 page", By: "intake:twilio"},
	}).TicketID
	form := filepath.Join(t.TempDir(), "signed-form.pdf")
	pdf := []byte("%PDF-1.4\n" + strings.Repeat("signed form line\n", 40) + "%%EOF\n")
	if err := os.WriteFile(form, pdf, 0o600); err != nil {
		t.Fatal(err)
	}

	b := newBrowser(t, d.url, browserOptions{})
	b.login("sam", "sam-first-day-2026")
	if st := b.open("/tickets/" + id); st != 200 {
		t.Fatalf("ticket page: %d", st)
	}
	if s := b.text(`label[for="reply-text"]`); !strings.HasPrefix(s, "Reply by fax to +31 20 123 4567") {
		t.Errorf("the reply form says %q", s)
	}
	if b.exists("#reply-copies") {
		t.Error("a fax offers copies")
	}
	restore := b.phoneWidth()
	b.screenshot("fax-reply-phone")
	if !b.fitsWidth() {
		t.Error("at phone width the fax reply form is wider than the screen")
	}
	restore()
	b.do("choose the PDF and write a line",
		chromedp.SetUploadFiles(chromedp.ID("reply-files"), []string{form}),
		chromedp.SendKeys(chromedp.ID("reply-text"), "Signed form attached."),
	)
	b.submit("send", chromedp.Click(chromedp.ID("reply-send")))
	if s := b.text(".notice"); s != "Fax queued to +31 20 123 4567." {
		t.Errorf("notice %q", s)
	}
	b.reloadUntil("the fax delivered", "/tickets/"+id,
		`document.querySelector("article.message.out .delivery")?.dataset.delivery === "delivered"`)
	if s := b.text("article.message.out .delivery"); !strings.Contains(s, "took it: 1 page") {
		t.Errorf("the fax's delivery reads %q", s)
	}
	b.screenshot("fax-delivered")
	faxes, _, problems := d.fax.Sent()
	for _, p := range problems {
		t.Error(p)
	}
	if len(faxes) != 1 || faxes[0].To != sender || faxes[0].From != deskFaxNumber || !bytes.Equal(faxes[0].PDF, pdf) {
		t.Errorf("faxes sent: %+v; want the PDF once to %s", faxes, sender)
	}
	b.checkNoScriptProblems()
}
