package api

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"frontdesk/ticket"
	"frontdesk/ticket/redisstore"
	"frontdesk/web/auth"
	"frontdesk/web/front"
	"frontdesk/web/internal/testweb"
)

// Tokens of the fake accounts (testweb.Accounts): ann is an assistant, max
// a manager.
const (
	annToken = testweb.AnnToken
	maxToken = testweb.MaxToken
)

// apiEnv is the API on a real ticket store on miniredis.
type apiEnv struct {
	h        http.Handler
	store    *redisstore.Store
	accounts *testweb.Accounts
}

func newAPIEnv(t *testing.T) *apiEnv {
	t.Helper()
	store := testweb.NewStore(t)
	acc := testweb.NewAccounts()
	h := serveAPI(newFront(t, store, acc, nil))
	return &apiEnv{h: h, store: store, accounts: acc}
}

// newFront is the front of the tests' desk (testweb.Config) on store.
func newFront(t *testing.T, store ticket.Store, acc auth.Accounts, rules front.RuleSets) *front.Front {
	return front.New(testweb.NewDesk(t, store, acc), acc, rules)
}

// serveAPI serves the API's routes on f as package web mounts them: each
// behind its access check, on a mux of its own (without web's middleware).
func serveAPI(f *front.Front) http.Handler {
	h := New(Options{Front: f})
	mux := http.NewServeMux()
	for _, rt := range h.Routes() {
		mux.Handle(rt.Pattern(), h.Guard(rt))
	}
	return mux
}

// mail stores an email ticket in queue support from ann@example.org, with
// one attachment, and returns its id.
func (e *apiEnv) mail(t *testing.T, n int) string {
	t.Helper()
	return testweb.Mail(t, e.store, n)
}

// sms stores an SMS ticket in queue billing from +15555550123.
func (e *apiEnv) sms(t *testing.T) string {
	t.Helper()
	return testweb.SMS(t, e.store)
}

func (e *apiEnv) get(t *testing.T, id string) *ticket.Ticket {
	t.Helper()
	return testweb.Get(t, e.store, id)
}

// req is one API request.
type req struct {
	method, target string
	token          string
	body           string            // sent as application/json unless header says otherwise
	header         map[string]string // extra headers
}

// apiResult is an answer with its body read.
type apiResult struct {
	status int
	header http.Header
	body   []byte
}

func (e *apiEnv) do(t *testing.T, rq req) apiResult {
	t.Helper()
	var body io.Reader
	if rq.body != "" {
		body = strings.NewReader(rq.body)
	}
	r := httptest.NewRequest(rq.method, rq.target, body)
	if rq.body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	if rq.token != "" {
		r.Header.Set("Authorization", "Bearer "+rq.token)
	}
	for k, v := range rq.header {
		r.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, r)
	return apiResult{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
}

// want checks the status, and for errors that the body is {"error": …}
// containing msg.
func (a apiResult) want(t *testing.T, status int, msg string) {
	t.Helper()
	if a.status != status {
		t.Fatalf("status = %d, want %d; body %s", a.status, status, a.body)
	}
	if status < 400 {
		return
	}
	if ct := a.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("error Content-Type = %q", ct)
	}
	var e struct{ Error string }
	if err := json.Unmarshal(a.body, &e); err != nil || e.Error == "" {
		t.Fatalf("error body %q is not {\"error\": …}: %v", a.body, err)
	}
	if !strings.Contains(e.Error, msg) {
		t.Errorf("error = %q, want it to contain %q", e.Error, msg)
	}
}

func decode[T any](t *testing.T, a apiResult) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(a.body, &v); err != nil {
		t.Fatalf("decode %T from %s: %v", v, a.body, err)
	}
	return v
}

func TestAPIAuthentication(t *testing.T) {
	e := newAPIEnv(t)
	e.mail(t, 1)
	for _, rt := range New(Options{}).Routes() {
		if rt.Public {
			continue
		}
		target := testweb.RouteTarget(rt.Path)
		t.Run(rt.Pattern(), func(t *testing.T) {
			for _, tc := range []struct {
				name, auth, challenge string
			}{
				{"no token", "", `Bearer realm="frontdesk"`},
				{"basic", "Basic YW5uOnB3", `Bearer realm="frontdesk"`},
				{"empty bearer", "Bearer ", `Bearer realm="frontdesk"`},
				{"bad token", "Bearer nope", `Bearer realm="frontdesk", error="invalid_token"`},
			} {
				a := e.do(t, req{method: rt.Method, target: target, body: `{}`, header: map[string]string{"Authorization": tc.auth}})
				a.want(t, 401, "unauthorized")
				if got := a.header.Get("WWW-Authenticate"); got != tc.challenge {
					t.Errorf("%s: WWW-Authenticate = %q, want %q", tc.name, got, tc.challenge)
				}
			}
			e.accounts.SetDown(true)
			defer e.accounts.SetDown(false)
			e.do(t, req{method: rt.Method, target: target, token: annToken, body: `{}`}).want(t, 503, "try again later")
		})
	}
}

func TestAPIBearerSchemeIsCaseInsensitive(t *testing.T) {
	e := newAPIEnv(t)
	e.do(t, req{method: "GET", target: "/api/v1/me", header: map[string]string{"Authorization": "bearer " + annToken}}).want(t, 200, "")
}

func TestAPIRolesAreChecked(t *testing.T) {
	for _, rt := range New(Options{}).Routes() {
		if rt.Public {
			continue
		}
		for _, role := range rt.Roles {
			if !slices.Contains([]string{auth.RoleAssistant, auth.RoleManager}, role) {
				t.Errorf("%s: unknown role %q", rt.Pattern(), role)
			}
		}
	}
}

func TestAPIPanicsOnUnguardedRoute(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("a route with neither roles nor public did not panic")
		}
	}()
	New(Options{}).Guard(auth.Route{Method: "GET", Path: "/api/v1/x", Handler: func(http.ResponseWriter, *http.Request) {}})
}
