package ui

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"frontdesk/ticket"
)

// problemOf returns the problem a redirect left in its cookie, "" if none.
func problemOf(t *testing.T, res *http.Response) string {
	t.Helper()
	for _, c := range res.Cookies() {
		if c.Name == problemCookie {
			b, err := base64.RawURLEncoding.DecodeString(c.Value)
			if err != nil {
				t.Fatalf("problem cookie %q: %v", c.Value, err)
			}
			return string(b)
		}
	}
	return ""
}

// The ticket page shows the customer panel: name, every address and
// number, their other tickets newest first, the notes, and the forms.
func TestUICustomerPanel(t *testing.T) {
	e := newUIEnv(t)
	first, second := e.mail(t, 1), e.mail(t, 2)
	ann := e.login(t, "ann")
	cid := e.get(t, first).Customer.ID

	res, body := ann.get(t, "/tickets/"+first)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("ticket page: %d", res.StatusCode)
	}
	for _, want := range []string{
		`id="customer"`, `<a href="/customers/` + cid + `" id="customer-name">Ann Lee</a>`,
		`data-identity="ann@example.org"`, `the only way to reach them`,
		`<a href="/tickets/` + second + `">#` + second + ` Order 2 arrived broken</a>`,
		`data-ticket="` + first + `" aria-current="page"`, `action="/customers/` + cid + `/link"`,
		`name="back" value="/tickets/` + first + `"`, `No notes yet.`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the ticket page lacks %q", want)
		}
	}
	if i, j := strings.Index(body, `data-ticket="`+second+`"`), strings.Index(body, `data-ticket="`+first+`"`); i < 0 || i > j {
		t.Error("the newer ticket is not listed first")
	}
	if strings.Contains(body, `class="danger unlink-confirm"`) {
		t.Error("the only address can be unlinked")
	}
	// A ticket without a customer record has no panel, and the page works.
	rc, err := e.store.Create(t.Context(), ticket.NewTicket{Channel: ticket.ChannelEmail, Queue: "support", Subject: "Who?",
		Customer: ticket.Customer{Name: "Mystery"}, Message: ticket.NewMessage{SourceKey: "test:nobody", From: "undisclosed", Text: "?"}})
	if err != nil {
		t.Fatal(err)
	}
	if res, body := ann.get(t, "/tickets/"+rc.TicketID); res.StatusCode != http.StatusOK || strings.Contains(body, `id="customer"`) ||
		!strings.Contains(body, `<dd id="ticket-customer">Mystery</dd>`) {
		t.Fatalf("a ticket without a customer record: %d\n%s", res.StatusCode, body)
	}
	if res, body := ann.get(t, "/customers/"+cid); res.StatusCode != http.StatusOK || !strings.Contains(body, `<h1 id="customer-title">Ann Lee</h1>`) ||
		!strings.Contains(body, "#"+second) || !strings.Contains(body, "#"+first) {
		t.Fatalf("customer page: %d\n%s", res.StatusCode, body)
	}
	for path, want := range map[string]int{"/customers/4242": 404, "/customers/x": 400, "/customers/" + cid + "?cursor=x": 400} {
		if res, _ := ann.get(t, path); res.StatusCode != want {
			t.Errorf("GET %s: %d, want %d", path, res.StatusCode, want)
		}
	}
}

// The panel's forms: the name and notes, link in national form, unlink
// with its confirmation, each back to the page they were on; a refusal
// returns with the reason and changes nothing.
func TestUICustomerForms(t *testing.T) {
	e := newUIEnv(t)
	id := e.mail(t, 1)
	callerID := e.sms(t)
	ann := e.login(t, "ann")
	cid := e.get(t, id).Customer.ID
	back := "/tickets/" + id
	base := "/customers/" + cid

	res, body := ann.post(t, base+"/edit", url.Values{"back": {back}, "name": {" Ann Lee-Smith "}})
	wantRedirect(t, "save the name", res, body, back+"#customer", "Name saved.")
	res, body = ann.post(t, base+"/edit", url.Values{"back": {base}, "notes": {"Prefers mail.\r\nVIP."}})
	wantRedirect(t, "save the notes", res, body, base+"#customer", "Notes saved.")
	res, body = ann.post(t, base+"/link", url.Values{"back": {back}, "identity": {"(555) 555-0199"}})
	wantRedirect(t, "link a number", res, body, back+"#customer", "Linked (555) 555-0199.")

	c, err := e.store.Customer(t.Context(), cid)
	if err != nil || c.Name != "Ann Lee-Smith" || c.Notes != "Prefers mail.\nVIP." || !slices.Equal(c.Phones, []string{"+15555550199"}) {
		t.Fatalf("customer after the forms = %+v, %v", c, err)
	}
	_, page := ann.get(t, back)
	for _, want := range []string{`(555) 555-0199`, `aria-label="Unlink ann@example.org"`, `<p class="customer-notes">Prefers mail.
VIP.</p>`, `>Ann Lee-Smith</a>`} {
		if !strings.Contains(page, want) {
			t.Errorf("the ticket page after the forms lacks %q", want)
		}
	}

	// Refusals: back to the panel with the reason, nothing changed.
	for _, tc := range []struct {
		path, field, value, problem string
	}{
		{"/link", "identity", "+1 555 555 0123", "(555) 555-0123 belongs to another customer, (555) 555-0123. Unlink it from them first"},
		{"/link", "identity", "call me", "not a phone number"},
		{"/link", "identity", strings.Repeat("9", 300), "longer than any"},
		{"/edit", "name", strings.Repeat("n", 201), "at most 200 characters"},
		{"/unlink", "identity", "+15555550123", "belongs to another customer"},
	} {
		res, body := ann.post(t, base+tc.path, url.Values{"back": {back}, tc.field: {tc.value}})
		if p := problemOf(t, res); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != back+"#customer" ||
			!strings.HasPrefix(p, "Nothing was changed: ") || !strings.Contains(p, tc.problem) {
			t.Errorf("POST %s %s=%.20q: %d to %s, problem %q; want back with %q\n%s", tc.path, tc.field, tc.value,
				res.StatusCode, res.Header.Get("Location"), p, tc.problem, body)
		}
	}
	// The problem shows once, on the page it returns to.
	res, _ = ann.post(t, base+"/link", url.Values{"back": {back}, "identity": {"call me"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatal(res.Status)
	}
	if _, page := ann.get(t, back); !strings.Contains(page, `<p class="problem" role="alert">Nothing was changed: phone &#34;call me&#34;: not a phone number`) {
		t.Error("the ticket page does not show the problem")
	}
	if _, page := ann.get(t, back); strings.Contains(page, "not a phone number") {
		t.Error("the problem shows twice")
	}

	// Unlink: the address goes, the number stays; then the number is the
	// last and cannot go.
	res, body = ann.post(t, base+"/unlink", url.Values{"back": {back}, "identity": {"ann@example.org"}})
	wantRedirect(t, "unlink the address", res, body, back+"#customer", "Unlinked ann@example.org: mail and calls from it no longer find this customer.")
	res, _ = ann.post(t, base+"/unlink", url.Values{"back": {back}, "identity": {"+15555550199"}})
	if p := problemOf(t, res); !strings.Contains(p, "the only address or number") {
		t.Errorf("unlink the last number: problem %q", p)
	}
	// A back that is not a panel's page goes to the customer's.
	res, body = ann.post(t, base+"/edit", url.Values{"back": {"https://evil.example/"}, "name": {"Ann"}})
	wantRedirect(t, "save with a foreign back", res, body, base+"#customer", "Name saved.")
	// No such customer: the error page.
	if res, _ := ann.post(t, "/customers/4242/edit", url.Values{"name": {"x"}}); res.StatusCode != http.StatusNotFound {
		t.Errorf("edit a missing customer: %d", res.StatusCode)
	}
	// Forms need the form token.
	if res, _ := ann.postRaw(t, base+"/edit", url.Values{"name": {"Mallory"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("a form without its token: %d", res.StatusCode)
	}
	if c, _ := e.store.Customer(t.Context(), e.get(t, callerID).Customer.ID); !slices.Equal(c.Phones, []string{"+15555550123"}) {
		t.Errorf("the caller changed: %+v", c)
	}
}
