package api

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// customerAnswer is the body of the customer routes, as a client reads it.
type customerAnswer struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Email       string   `json:"email"`
	Phone       string   `json:"phone"`
	Emails      []string `json:"emails"`
	Phones      []string `json:"phones"`
	Notes       *string  `json:"notes"`
	TicketCount int      `json:"ticket_count"`
	NextCursor  string   `json:"next_cursor"`
	Tickets     []struct {
		ID, Subject, Status, Channel, Queue string
		CreatedAt                           string `json:"created_at"`
		UpdatedAt                           string `json:"updated_at"`
	} `json:"tickets"`
	Events []struct{ Type, By, Detail string } `json:"events"`
}

func TestCustomerGet(t *testing.T) {
	e := newAPIEnv(t)
	var ids []string
	for i := range 3 {
		ids = append(ids, e.mail(t, i))
	}
	cid := e.get(t, ids[0]).Customer.ID
	target := "/api/v1/customers/" + cid

	for _, token := range []string{annToken, maxToken} {
		a := e.do(t, req{method: "GET", target: target + "?limit=2", token: token})
		a.want(t, 200, "")
		c := decode[customerAnswer](t, a)
		if c.ID != cid || c.Name != "Ann Lee" || !slices.Equal(c.Emails, []string{"ann@example.org"}) || c.Phones == nil ||
			c.Notes == nil || c.TicketCount != 3 || len(c.Tickets) != 2 || c.Tickets[0].ID != ids[2] || c.Tickets[1].ID != ids[1] {
			t.Fatalf("customer = %s", a.body)
		}
		if tk := c.Tickets[0]; tk.Subject != "Order 2 arrived broken" || tk.Status != "new" || tk.Channel != "email" ||
			tk.Queue != "support" || tk.CreatedAt == "" || tk.UpdatedAt == "" {
			t.Fatalf("summary = %+v", tk)
		}
		next := decode[customerAnswer](t, e.do(t, req{method: "GET", target: target + "?limit=2&cursor=" + c.NextCursor, token: token}))
		if len(next.Tickets) != 1 || next.Tickets[0].ID != ids[0] || next.NextCursor != "" {
			t.Fatalf("second page = %+v", next)
		}
	}
	// A ticket shows its customer with every address and number.
	if !strings.Contains(string(e.do(t, req{method: "GET", target: "/api/v1/tickets/" + ids[0], token: annToken}).body),
		`"customer":{"id":"`+cid+`","name":"Ann Lee","email":"ann@example.org","phone":"","emails":["ann@example.org"],"phones":[]}`) {
		t.Error("the ticket's customer is not shown with its lists")
	}
	for _, tc := range []struct {
		target string
		status int
		msg    string
	}{
		{"/api/v1/customers/4242", 404, "not found"},
		{"/api/v1/customers/x", 400, "customer id"},
		{target + "?limit=0", 400, "limit"},
		{target + "?limit=101", 400, "limit"},
		{target + "?cursor=abc", 400, "cursor"},
	} {
		e.do(t, req{method: "GET", target: tc.target, token: annToken}).want(t, tc.status, tc.msg)
	}
	e.do(t, req{method: "GET", target: target}).want(t, 401, "")
}

func TestCustomerUpdate(t *testing.T) {
	e := newAPIEnv(t)
	cid := e.get(t, e.mail(t, 1)).Customer.ID
	target := "/api/v1/customers/" + cid

	a := e.do(t, req{method: "PATCH", target: target, token: annToken, body: `{"name":"  Ann Lee-Smith ","notes":"Prefers mail."}`})
	a.want(t, 200, "")
	c := decode[customerAnswer](t, a)
	if c.Name != "Ann Lee-Smith" || c.Notes == nil || *c.Notes != "Prefers mail." || c.TicketCount != 1 {
		t.Fatalf("after PATCH: %s", a.body)
	}
	if last := c.Events[len(c.Events)-1]; last.Type != "notes_edited" || last.By != "ann" {
		t.Fatalf("history %+v", c.Events)
	}
	// Only the notes: the name stays.
	c = decode[customerAnswer](t, e.do(t, req{method: "PATCH", target: target, token: maxToken, body: `{"notes":""}`}))
	if c.Name != "Ann Lee-Smith" || *c.Notes != "" {
		t.Fatalf("after clearing the notes: %+v", c)
	}
	for _, tc := range []struct {
		body   string
		status int
		msg    string
	}{
		{`{}`, 400, "name or notes"},
		{`{"name":"Ann\nLee"}`, 400, "name"},
		{fmt.Sprintf(`{"name":%q}`, strings.Repeat("a", 201)), 400, "at most 200"},
		{fmt.Sprintf(`{"notes":%q}`, strings.Repeat("a", 5001)), 400, "at most 5000"},
		{`{"tags":["vip"]}`, 400, "unknown field"},
	} {
		e.do(t, req{method: "PATCH", target: target, token: annToken, body: tc.body}).want(t, tc.status, tc.msg)
	}
	e.do(t, req{method: "PATCH", target: "/api/v1/customers/4242", token: annToken, body: `{"name":"x"}`}).want(t, 404, "not found")
	if got := decode[customerAnswer](t, e.do(t, req{method: "GET", target: target, token: annToken})); got.Name != "Ann Lee-Smith" {
		t.Fatalf("a refused PATCH changed the name to %q", got.Name)
	}
}

func TestCustomerLink(t *testing.T) {
	e := newAPIEnv(t)
	ann := e.get(t, e.mail(t, 1)).Customer
	caller := e.get(t, e.sms(t)).Customer
	target := "/api/v1/customers/" + ann.ID + "/link"

	// A number in national form (the test desk's region is the US, its
	// Twilio number's), then a second address: a customer has several.
	a := e.do(t, req{method: "POST", target: target, token: annToken, body: `{"phone":"(555) 555-0199"}`})
	a.want(t, 200, "")
	e.do(t, req{method: "POST", target: target, token: annToken, body: `{"email":"Ann@Home.example"}`}).want(t, 200, "")
	a = e.do(t, req{method: "POST", target: target, token: annToken, body: `{"phone":"+1 555 555 0199"}`}) // again: nothing new
	a.want(t, 200, "")
	c := decode[customerAnswer](t, a)
	if c.ID != ann.ID || !slices.Equal(c.Phones, []string{"+15555550199"}) || c.Phone != "+15555550199" ||
		!slices.Equal(c.Emails, []string{"ann@example.org", "ann@home.example"}) || c.Email != "ann@example.org" || c.TicketCount != 1 {
		t.Errorf("linked customer = %s", a.body)
	}
	for _, v := range []string{"+15555550199", "ann@home.example"} {
		if found, err := e.store.FindCustomer(t.Context(), v); err != nil || found.ID != ann.ID {
			t.Errorf("FindCustomer(%s) = %+v, %v", v, found, err)
		}
	}

	for _, tc := range []struct {
		target, body string
		status       int
		msg          string
	}{
		{"/api/v1/customers/" + caller.ID + "/link", `{"phone":"+15555550199"}`, 409, "belongs to another customer, Ann Lee"},
		{"/api/v1/customers/" + caller.ID + "/link", `{"email":"ann@home.example"}`, 409, "unlink it there first"},
		{"/api/v1/customers/999/link", `{"email":"zed@example.org"}`, 404, "not found"},
		{target, `{}`, 400, "either email or phone"},
		{target, `{"email":"a@example.org","phone":"+15555550100"}`, 400, "either email or phone"},
		{target, `{"email":"Ann <ann2@example.org>"}`, 400, "bare address"},
		{target, `{"email":"nope"}`, 400, "bare address"},
		{target, `{"phone":"call me"}`, 400, "not a phone number"},
		{target, `{"phone":"+1x"}`, 400, "not a phone number"},
		{target, `{"fax":"+15555550100"}`, 400, "unknown field"},
	} {
		e.do(t, req{method: "POST", target: tc.target, token: annToken, body: tc.body}).want(t, tc.status, tc.msg)
	}
	if c, _ := e.store.Customer(t.Context(), caller.ID); !slices.Equal(c.Phones, []string{"+15555550123"}) || len(c.Emails) != 0 {
		t.Errorf("refused links changed the caller: %+v", c)
	}
}

func TestCustomerUnlink(t *testing.T) {
	e := newAPIEnv(t)
	ann := e.get(t, e.mail(t, 1)).Customer
	other := e.get(t, e.sms(t)).Customer
	base := "/api/v1/customers/" + ann.ID

	e.do(t, req{method: "POST", target: base + "/unlink", token: annToken, body: `{"email":"ann@example.org"}`}).want(t, 409, "the only address or number")
	e.do(t, req{method: "POST", target: base + "/link", token: annToken, body: `{"phone":"555 555 0177"}`}).want(t, 200, "")
	e.do(t, req{method: "POST", target: base + "/unlink", token: annToken, body: `{"phone":"+15555550123"}`}).want(t, 409, "another customer")
	a := e.do(t, req{method: "POST", target: base + "/unlink", token: maxToken, body: `{"email":"ANN@example.org"}`})
	a.want(t, 200, "")
	c := decode[customerAnswer](t, a)
	if len(c.Emails) != 0 || c.Email != "" || !slices.Equal(c.Phones, []string{"+15555550177"}) || c.TicketCount != 1 {
		t.Fatalf("after unlinking: %s", a.body)
	}
	if last := c.Events[len(c.Events)-1]; last.Type != "unlinked" || last.By != "max" || last.Detail != "ann@example.org" {
		t.Fatalf("history %+v", c.Events)
	}
	// Again: nothing to do, not an error (a retry).
	e.do(t, req{method: "POST", target: base + "/unlink", token: maxToken, body: `{"email":"ann@example.org"}`}).want(t, 200, "")
	e.do(t, req{method: "POST", target: base + "/unlink", token: annToken, body: `{"phone":"(555) 555-0177"}`}).want(t, 409, "link another first")
	e.do(t, req{method: "POST", target: base + "/unlink", token: annToken, body: `{}`}).want(t, 400, "either email or phone")
	if c, _ := e.store.Customer(t.Context(), other.ID); c.Phone != "+15555550123" {
		t.Errorf("the other customer changed: %+v", c)
	}
}
