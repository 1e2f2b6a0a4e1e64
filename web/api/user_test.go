package api

import (
	"context"
	"testing"

	"frontdesk/ticket"
	"frontdesk/web/auth"
	"frontdesk/web/internal/testweb"
)

func TestMe(t *testing.T) {
	e := newAPIEnv(t)
	a := e.do(t, req{method: "GET", target: "/api/v1/me", token: annToken})
	a.want(t, 200, "")
	if got := string(a.body); got != `{"name":"ann","role":"assistant","away":false}`+"\n" {
		t.Errorf("GET /api/v1/me = %s", got)
	}
}

func TestMeAvailability(t *testing.T) {
	e := newAPIEnv(t)
	a := e.do(t, req{method: "POST", target: "/api/v1/me/availability", token: annToken, body: `{"away":true}`})
	a.want(t, 200, "")
	if p := decode[auth.Principal](t, a); p != (auth.Principal{Name: "ann", Role: auth.RoleAssistant, Away: true}) {
		t.Errorf("answer = %+v", p)
	}
	if p := decode[auth.Principal](t, e.do(t, req{method: "GET", target: "/api/v1/me", token: annToken})); !p.Away {
		t.Errorf("ann not away after setting it: %+v", p)
	}
	e.do(t, req{method: "POST", target: "/api/v1/me/availability", token: annToken, body: `{"away":false}`}).want(t, 200, "")
	if p := decode[auth.Principal](t, e.do(t, req{method: "GET", target: "/api/v1/me", token: annToken})); p.Away {
		t.Errorf("ann still away: %+v", p)
	}
	for _, body := range []string{`{}`, `{"away":"yes"}`, `{"away":null}`} {
		e.do(t, req{method: "POST", target: "/api/v1/me/availability", token: annToken, body: body}).want(t, 400, "invalid input")
	}
}

func TestUserList(t *testing.T) {
	e := newAPIEnv(t)
	e.do(t, req{method: "GET", target: "/api/v1/users", token: annToken}).want(t, 403, `role "assistant" may not`)
	a := e.do(t, req{method: "GET", target: "/api/v1/users", token: maxToken})
	a.want(t, 200, "")
	users := decode[[]auth.Principal](t, a)
	want := []auth.Principal{{Name: "ann", Role: auth.RoleAssistant}, {Name: "bob", Role: auth.RoleAssistant, Away: true}, {Name: "max", Role: auth.RoleManager}}
	if len(users) != len(want) {
		t.Fatalf("users = %+v", users)
	}
	for i := range want {
		if users[i] != want[i] {
			t.Errorf("users[%d] = %+v, want %+v", i, users[i], want[i])
		}
	}
}

func TestUserListNeverNull(t *testing.T) {
	e := newAPIEnv(t)
	e.h = serveAPI(newFront(t, e.store, emptyList{e.accounts}, nil))
	a := e.do(t, req{method: "GET", target: "/api/v1/users", token: maxToken})
	a.want(t, 200, "")
	if string(a.body) != "[]\n" {
		t.Errorf("no users = %q, want []", a.body)
	}
}

// emptyList is Accounts whose List finds nobody.
type emptyList struct{ *testweb.Accounts }

func (emptyList) List(context.Context) ([]auth.Principal, error) { return nil, nil }

func TestCustomerLink(t *testing.T) {
	e := newAPIEnv(t)
	ann := e.get(t, e.mail(t, 1)).Customer
	caller := e.get(t, e.sms(t)).Customer
	target := "/api/v1/customers/" + ann.ID + "/link"

	a := e.do(t, req{method: "POST", target: target, token: annToken, body: `{"phone":"+1 555 555 0199"}`})
	a.want(t, 200, "")
	if c := decode[ticket.Customer](t, a); c.ID != ann.ID || c.Phone != "+15555550199" || c.Email != "ann@example.org" {
		t.Errorf("linked customer = %+v", c)
	}
	if c, err := e.store.FindCustomer(t.Context(), "+15555550199"); err != nil || c.ID != ann.ID {
		t.Errorf("FindCustomer(+15555550199) = %+v, %v", c, err)
	}

	for _, tc := range []struct {
		target, body string
		status       int
		msg          string
	}{
		{"/api/v1/customers/" + caller.ID + "/link", `{"phone":"+15555550199"}`, 409, "conflict"},
		{"/api/v1/customers/" + caller.ID + "/link", `{"email":"ann@example.org"}`, 409, "conflict"},
		{"/api/v1/customers/999/link", `{"email":"zed@example.org"}`, 404, "not found"},
		{target, `{}`, 400, "either email or phone"},
		{target, `{"email":"a@example.org","phone":"+15555550100"}`, 400, "either email or phone"},
		{target, `{"email":"Ann <ann2@example.org>"}`, 400, "bare address"},
		{target, `{"email":"nope"}`, 400, "bare address"},
		{target, `{"phone":"555-0100"}`, 400, "international form"},
		{target, `{"phone":"+1x"}`, 400, "international form"},
		{target, `{"fax":"+15555550100"}`, 400, "unknown field"},
	} {
		e.do(t, req{method: "POST", target: tc.target, token: annToken, body: tc.body}).want(t, tc.status, tc.msg)
	}
}
