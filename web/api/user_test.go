package api

import (
	"context"
	"strings"
	"testing"

	"frontdesk/web/auth"
	"frontdesk/web/internal/testweb"
)

func TestMe(t *testing.T) {
	e := newAPIEnv(t)
	a := e.do(t, req{method: "GET", target: "/api/v1/me", token: annToken})
	a.want(t, 200, "")
	want := `{"name":"ann","role":"assistant","away":false,"disabled":false,"calendar_url":"https://desk.example.com/api/v1/calendar.ics?token=cal-ann-0"}`
	if got := string(a.body); got != want+"\n" {
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
	if got := string(a.body); !strings.Contains(got, `{"name":"bob","role":"assistant","away":true,"disabled":false}`) {
		t.Errorf("GET /api/v1/users does not say who is disabled: %s", got)
	}
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

func TestUserUpdate(t *testing.T) {
	e := newAPIEnv(t)
	e.do(t, req{method: "POST", target: "/api/v1/users/bob", token: annToken, body: `{"disabled":true}`}).want(t, 403, `role "assistant" may not`)
	e.do(t, req{method: "POST", target: "/api/v1/users/bob", body: `{"disabled":true}`}).want(t, 401, "")
	if u, _ := e.accounts.User("bob"); u.Disabled {
		t.Fatal("an assistant disabled bob")
	}

	// Disabling: the answer is the user as GET /api/v1/users shows them,
	// and their token stops working at once.
	a := e.do(t, req{method: "POST", target: "/api/v1/users/ann", token: maxToken, body: `{"disabled":true}`})
	a.want(t, 200, "")
	if got := string(a.body); got != `{"name":"ann","role":"assistant","away":false,"disabled":true}`+"\n" {
		t.Errorf("disable ann = %s", got)
	}
	e.do(t, req{method: "GET", target: "/api/v1/me", token: annToken}).want(t, 401, "invalid token")
	for _, u := range decode[[]auth.Principal](t, e.do(t, req{method: "GET", target: "/api/v1/users", token: maxToken})) {
		if u.Disabled != (u.Name == "ann") {
			t.Errorf("GET /api/v1/users after disabling ann: %+v", u)
		}
	}
	e.do(t, req{method: "POST", target: "/api/v1/users/ann", token: maxToken, body: `{"disabled":false}`}).want(t, 200, "")

	// A new role holds at once, and both fields go together.
	a = e.do(t, req{method: "POST", target: "/api/v1/users/ann", token: maxToken, body: `{"role":"manager","disabled":false}`})
	a.want(t, 200, "")
	if p := decode[auth.Principal](t, a); p != (auth.Principal{Name: "ann", Role: auth.RoleManager}) {
		t.Errorf("ann made a manager = %+v", p)
	}
	e.do(t, req{method: "GET", target: "/api/v1/users", token: annToken}).want(t, 200, "")

	for _, tc := range []struct {
		name, target, body string
		status             int
		msg                string
	}{
		{"disable oneself", "/api/v1/users/max", `{"disabled":true}`, 409, "you cannot disable yourself or give up your own manager role"},
		{"demote oneself", "/api/v1/users/max", `{"role":"assistant"}`, 409, "you cannot disable yourself"},
		{"unknown user", "/api/v1/users/nobody", `{"disabled":true}`, 404, "not found"},
		{"bad role", "/api/v1/users/bob", `{"role":"admin"}`, 400, `role "admin": must be assistant or manager`},
		{"empty role", "/api/v1/users/bob", `{"role":""}`, 400, "must be assistant or manager"},
		{"nothing to change", "/api/v1/users/bob", `{}`, 400, "give role (assistant or manager), disabled (true or false), or both"},
		{"null fields", "/api/v1/users/bob", `{"role":null,"disabled":null}`, 400, "give role"},
		{"unknown field", "/api/v1/users/bob", `{"away":true}`, 400, "unknown field"},
		{"not a boolean", "/api/v1/users/bob", `{"disabled":"yes"}`, 400, "invalid input"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.do(t, req{method: "POST", target: tc.target, token: maxToken, body: tc.body}).want(t, tc.status, tc.msg)
		})
	}
	e.do(t, req{method: "POST", target: "/api/v1/users/bob", token: maxToken, body: "disabled=true",
		header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}}).want(t, 415, "")
	// Staying a manager is no change and no error.
	e.do(t, req{method: "POST", target: "/api/v1/users/max", token: maxToken, body: `{"role":"manager","disabled":false}`}).want(t, 200, "")
	for name, want := range map[string]auth.Principal{
		"max": {Name: "max", Role: auth.RoleManager},
		"bob": {Name: "bob", Role: auth.RoleAssistant, Away: true},
	} {
		if u, _ := e.accounts.User(name); u != want {
			t.Errorf("%s after refused changes = %+v, want %+v", name, u, want)
		}
	}

	// ann, now a manager, demotes max; max's token then no longer reaches
	// managers' routes.
	e.do(t, req{method: "POST", target: "/api/v1/users/max", token: annToken, body: `{"role":"assistant"}`}).want(t, 200, "")
	e.do(t, req{method: "POST", target: "/api/v1/users/ann", token: maxToken, body: `{"role":"assistant"}`}).want(t, 403, `role "assistant" may not`)
}
