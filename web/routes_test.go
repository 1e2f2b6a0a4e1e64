package web

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"frontdesk/web/internal/testweb"
)

func TestAPINotRegisteredWithoutStore(t *testing.T) {
	for _, opts := range []Options{{}, {Accounts: testweb.NewAccounts()}} {
		h := New(opts).Handler()
		for _, target := range []string{"/api/v1/me", "/api/v1/openapi.json"} {
			res, body := do(t, h, "GET", target)
			if res.StatusCode != 404 || body != `{"error":"not found"}`+"\n" {
				t.Errorf("GET %s = %d %q, want the JSON 404", target, res.StatusCode, body)
			}
		}
		if res, _ := do(t, h, "GET", "/healthz"); res.StatusCode != 200 {
			t.Errorf("GET /healthz = %d", res.StatusCode)
		}
	}
}

// Every route of the API's table is what the server's mux answers with.
func TestAPIRoutesRegistered(t *testing.T) {
	s := New(Options{Desk: testweb.NewDesk(t, testweb.NewStore(t), testweb.NewAccounts()), Accounts: testweb.NewAccounts()})
	mux := s.routes()
	for _, rt := range s.api.Routes() {
		_, pattern := mux.Handler(httptest.NewRequest(rt.Method, testweb.RouteTarget(rt.Path), nil))
		if pattern != rt.Pattern() {
			t.Errorf("%s %s is served by %q, want %q", rt.Method, testweb.RouteTarget(rt.Path), pattern, rt.Pattern())
		}
	}
}

func TestUINotRegisteredWithoutSessions(t *testing.T) {
	srv := httptest.NewServer(New(Options{Desk: testweb.NewDesk(t, testweb.NewStore(t), testweb.NewAccounts()), Accounts: testweb.NewAccounts()}).Handler())
	defer srv.Close()
	res, err := http.Get(srv.URL + "/login")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("GET /login without Sessions: %d, want 404", res.StatusCode)
	}
}
