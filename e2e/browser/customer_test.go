package browser

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"frontdesk/fault"
	"frontdesk/ticket"
)

// customerMail is a mail from the seeded mail customer, Ann Lee.
func customerMail(subject string) ticket.NewTicket {
	return ticket.NewTicket{
		Channel: ticket.ChannelEmail, Queue: "support", Subject: subject,
		Customer: ticket.Customer{Name: "Ann Lee", Email: mailCustomer},
		Message: ticket.NewMessage{
			SourceKey: "browser:customer:" + subject, Channel: ticket.ChannelEmail,
			From: "Ann Lee <" + mailCustomer + ">", To: []string{"support@example.com"}, Subject: subject, Text: subject,
		},
	}
}

// TestCustomerPanel: an assistant opens a ticket and sees its customer in
// the panel beside it — name, address, their other ticket with its status
// and channel. They correct the name, link the phone number the customer
// gave (in national form) and see it shown that way, unlink the old
// address (its confirmation is the page's own, so it works with scripts
// off), and open the customer's other ticket, where the panel shows the
// same customer; the customer's page lists what was changed. The panel
// fits a phone's width.
func TestCustomerPanel(t *testing.T) {
	d := newDesk(t, deskOptions{})
	d.addUser(t, "assistant", "sam", "sam-first-day-2026")
	older := d.create(t, customerMail("Lamp arrived broken")).TicketID
	newer := d.create(t, customerMail("Where is my refund?")).TicketID

	b := newBrowser(t, d.url, browserOptions{})
	b.login("sam", "sam-first-day-2026")
	if st := b.open("/tickets/" + newer); st != 200 {
		t.Fatalf("ticket page: %d", st)
	}

	// The panel: who, how to reach them, their tickets newest first.
	if s := b.text("#customer-name"); s != "Ann Lee" {
		t.Errorf("the panel names %q, want Ann Lee", s)
	}
	if s := b.text(`#customer-identities li[data-identity="` + mailCustomer + `"]`); !strings.Contains(s, mailCustomer) {
		t.Errorf("the panel's addresses: %q", b.text("#customer-identities"))
	}
	other := fmt.Sprintf(`#customer-tickets li[data-ticket="%s"]`, older)
	if s := b.text(other + " a"); s != "#"+older+" Lamp arrived broken" {
		t.Errorf("their other ticket is listed as %q", s)
	}
	if s := b.text(other + " .ticket-meta"); !strings.Contains(s, "new") || !strings.Contains(s, "mail") {
		t.Errorf("their other ticket's status and channel: %q", s)
	}
	if !b.exists(fmt.Sprintf(`#customer-tickets li[data-ticket="%s"][aria-current="page"]`, newer)) {
		t.Error("the panel does not mark the ticket on the page")
	}
	order := eval[[]string](b, `[...document.querySelectorAll("#customer-tickets li")].map(li => li.dataset.ticket)`)
	if len(order) != 2 || order[0] != newer || order[1] != older {
		t.Errorf("the panel lists tickets %v, want newest first [%s %s]", order, newer, older)
	}
	b.screenshot("customer-panel")

	// The name, in its small form.
	b.do("open the name form", chromedp.Click(chromedp.CSS("#customer-name-edit summary")))
	b.do("correct the name", chromedp.Clear(chromedp.ID("customer-name-input")), chromedp.SendKeys(chromedp.ID("customer-name-input"), "Ann Lee-Smith"))
	b.submit("save the name", chromedp.Click(chromedp.ID("customer-name-save")))
	if p := b.path(); p != "/tickets/"+newer {
		t.Errorf("after saving the name the browser shows %s", p)
	}
	if n, s := b.text("p.notice"), b.text("#customer-name"); n != "Name saved." || s != "Ann Lee-Smith" {
		t.Errorf("after saving the name: notice %q, name %q", n, s)
	}

	// A number as the customer said it.
	b.do("type the number", chromedp.SendKeys(chromedp.ID("customer-link-input"), "(555) 555-0199"))
	b.submit("link the number", chromedp.Click(chromedp.ID("customer-link-submit")))
	if n := b.text("p.notice"); n != "Linked (555) 555-0199." {
		t.Errorf("notice after linking: %q", n)
	}
	if s := b.text(`#customer-identities li[data-identity="+15555550199"] .identity-value`); !strings.Contains(s, "(555) 555-0199") {
		t.Errorf("the linked number shows as %q, want (555) 555-0199", s)
	}
	ctx, cancel := context.WithTimeout(context.Background(), stepTimeout)
	defer cancel()
	c, err := d.store.FindCustomer(ctx, "+15555550199")
	if err != nil || c.Name != "Ann Lee-Smith" {
		t.Fatalf("the linked number finds %+v, %v", c, err)
	}

	// Unlink the address, with scripts off: the question is the page's.
	if _, err := chromedp.Call(b.ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatalf("turn scripts off: %v", err)
	}
	b.open("/tickets/" + newer)
	address := `#customer-identities li[data-identity="` + mailCustomer + `"]`
	if eval[bool](b, `document.querySelector('`+address+` .unlink-confirm').checkVisibility()`) {
		t.Fatal("the unlink button shows before the question was opened")
	}
	b.do("ask to unlink the address", chromedp.Click(chromedp.CSS(address+" summary")))
	if s := b.text(address + " .hint"); !strings.Contains(s, "will no longer find Ann Lee-Smith") {
		t.Errorf("the question says %q", s)
	}
	b.submit("confirm the unlink", chromedp.Click(chromedp.CSS(address+" .unlink-confirm")))
	if n := b.text("p.notice"); !strings.HasPrefix(n, "Unlinked "+mailCustomer) {
		t.Errorf("notice after unlinking: %q", n)
	}
	if b.exists(address) {
		t.Error("the unlinked address is still listed")
	}
	if _, err := d.store.FindCustomer(ctx, mailCustomer); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("the unlinked address still finds a customer: %v", err)
	}
	// The number is now the only way to reach them: it cannot go.
	if b.exists(`#customer-identities .unlink-confirm`) || !strings.Contains(b.text("#customer-identities"), "the only way to reach them") {
		t.Errorf("the last number offers Unlink: %q", b.text("#customer-identities"))
	}
	if _, err := chromedp.Call(b.ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: false}); err != nil {
		t.Fatalf("turn scripts on: %v", err)
	}

	// Their other ticket, from the panel.
	b.submit("open their other ticket", chromedp.Click(chromedp.CSS(other+" a")))
	if p := b.path(); p != "/tickets/"+older {
		t.Fatalf("the panel's link led to %s, want /tickets/%s", p, older)
	}
	if s := b.text("#ticket-title"); s != "#"+older+" Lamp arrived broken" {
		t.Errorf("ticket title %q", s)
	}
	if s, ids := b.text("#customer-name"), b.text("#customer-identities"); s != "Ann Lee-Smith" || !strings.Contains(ids, "(555) 555-0199") || strings.Contains(ids, mailCustomer) {
		t.Errorf("the other ticket's panel: %q, %q", s, ids)
	}
	if !b.exists(fmt.Sprintf(`#customer-tickets li[data-ticket="%s"] a`, newer)) {
		t.Error("the other ticket's panel does not link back")
	}

	// The customer's page: the same panel, every ticket, the history.
	b.submit("open the customer's page", chromedp.Click(chromedp.ID("customer-name")))
	if s := b.text("#customer-title"); s != "Ann Lee-Smith" {
		t.Errorf("customer page title %q", s)
	}
	history := b.text("#customer-events")
	for _, want := range []string{"renamed by sam – Ann Lee → Ann Lee-Smith", "linked by sam – (555) 555-0199", "unlinked by sam – " + mailCustomer} {
		if !strings.Contains(history, want) {
			t.Errorf("the history lacks %q:\n%s", want, history)
		}
	}
	b.screenshot("customer-page")

	// At a phone's width the panel fits: nothing sideways off the screen.
	if _, err := chromedp.Call(b.ctx, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{
		Width: 390, Height: 844, DeviceScaleFactor: 1, Mobile: true}); err != nil {
		t.Fatalf("emulate a phone: %v", err)
	}
	for shot, path := range map[string]string{"customer-panel-phone": "/tickets/" + older, "customer-page-phone": "/customers/" + c.ID} {
		b.open(path)
		b.do("open the panel's forms", chromedp.Evaluate[chromedp.Void](`document.querySelectorAll("#customer details").forEach(d => d.open = true)`))
		if w := eval[float64](b, `document.querySelector("#customer").getBoundingClientRect().right`); w > 390 {
			t.Errorf("%s at 390px: the panel reaches %.0fpx", path, w)
		}
		if wide := eval[[]string](b, `[...document.querySelectorAll("#customer *")].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1).map(e => e.tagName + "#" + e.id + "." + e.className)`); len(wide) > 0 {
			t.Errorf("%s at 390px: wider than the screen: %v", path, wide)
		}
		b.screenshot(shot)
	}
	b.checkNoScriptProblems()
}
