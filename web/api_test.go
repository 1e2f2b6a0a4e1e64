package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"frontdesk/fault"
	"frontdesk/ticket"
	"frontdesk/ticket/redisstore"
	"frontdesk/web/auth"
)

// Tokens of the fake accounts.
const (
	annToken = "tok-ann" // assistant
	maxToken = "tok-max" // manager
)

// fakeAccounts is an Accounts in memory.
type fakeAccounts struct {
	mu     sync.Mutex
	tokens map[string]string // token → user name
	users  map[string]auth.Principal
	down   bool // every call fails as unavailable
}

func newFakeAccounts() *fakeAccounts {
	return &fakeAccounts{
		tokens: map[string]string{annToken: "ann", maxToken: "max"},
		users: map[string]auth.Principal{
			"ann": {Name: "ann", Role: auth.RoleAssistant},
			"bob": {Name: "bob", Role: auth.RoleAssistant, Away: true},
			"max": {Name: "max", Role: auth.RoleManager},
		},
	}
}

var errAccountsDown = fault.Unavailable(errors.New("dial tcp: connection refused"))

func (a *fakeAccounts) Authenticate(_ context.Context, token string) (auth.Principal, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.down {
		return auth.Principal{}, errAccountsDown
	}
	name, ok := a.tokens[token]
	if !ok {
		return auth.Principal{}, errors.New("no such token")
	}
	return a.users[name], nil
}

func (a *fakeAccounts) SetAway(_ context.Context, name string, away bool) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.down {
		return errAccountsDown
	}
	u, ok := a.users[name]
	if !ok {
		return fmt.Errorf("user %s: %w", name, fault.ErrNotFound)
	}
	u.Away = away
	a.users[name] = u
	return nil
}

func (a *fakeAccounts) List(context.Context) ([]auth.Principal, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.down {
		return nil, errAccountsDown
	}
	var out []auth.Principal
	for _, u := range a.users {
		out = append(out, u)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func (a *fakeAccounts) setDown(down bool) {
	a.mu.Lock()
	a.down = down
	a.mu.Unlock()
}

// apiEnv is a server with the API on a real ticket store on miniredis.
type apiEnv struct {
	h        http.Handler
	store    *redisstore.Store
	accounts *fakeAccounts
}

func newAPIEnv(t *testing.T) *apiEnv {
	t.Helper()
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { _ = rdb.Close() })
	store := redisstore.New(rdb, &redisstore.Options{AttachmentMaxSize: 1000})
	acc := newFakeAccounts()
	s := New(Options{
		Tickets:  store,
		Accounts: acc,
		Queues:   []string{"support", "billing"},
		QueueAddress: func(q string) string {
			if q == "support" {
				return "Support <support@example.com>"
			}
			return ""
		},
	})
	return &apiEnv{h: s.Handler(), store: store, accounts: acc}
}

// mail stores an email ticket in queue support from ann@example.org, with
// one attachment, and returns its id.
func (e *apiEnv) mail(t *testing.T, n int) string {
	t.Helper()
	rc, err := e.store.Create(context.Background(), ticket.NewTicket{
		Channel:  ticket.ChannelEmail,
		Queue:    "support",
		Subject:  fmt.Sprintf("Order %d arrived broken", n),
		Customer: ticket.Customer{Name: "Ann Lee", Email: "ann@example.org"},
		Message: ticket.NewMessage{
			SourceKey: fmt.Sprintf("test:mail:%d", n),
			From:      "Ann Lee <ann@example.org>",
			To:        []string{"support@example.com"},
			Subject:   fmt.Sprintf("Order %d arrived broken", n),
			Text:      "The box was crushed.",
			MessageID: fmt.Sprintf("<m%d@example.org>", n),
			Attachments: []ticket.NewAttachment{
				{Filename: "photo.jpg", ContentType: "image/jpeg", Data: []byte("JPEG-BYTES")},
				{Filename: `../évil "name".html`, ContentType: "text/html", Data: []byte("<script>alert(1)</script>")},
				{Filename: "big.bin", ContentType: "application/octet-stream", Data: bytes.Repeat([]byte("x"), 2000)},
			},
		},
	})
	if err != nil {
		t.Fatalf("create ticket: %v", err)
	}
	return rc.TicketID
}

// sms stores an SMS ticket in queue billing from +15555550123.
func (e *apiEnv) sms(t *testing.T) string {
	t.Helper()
	rc, err := e.store.Create(context.Background(), ticket.NewTicket{
		Channel:  ticket.ChannelSMS,
		Queue:    "billing",
		Subject:  "SMS from +15555550123",
		Customer: ticket.Customer{Phone: "+15555550123"},
		Message: ticket.NewMessage{
			SourceKey: "test:sms:1", Kind: ticket.KindSMS,
			From: "+15555550123", To: []string{"+15555550100"}, Text: "Where is my invoice?",
		},
	})
	if err != nil {
		t.Fatalf("create ticket: %v", err)
	}
	return rc.TicketID
}

func (e *apiEnv) get(t *testing.T, id string) *ticket.Ticket {
	t.Helper()
	tk, err := e.store.Get(context.Background(), id)
	if err != nil {
		t.Fatalf("get ticket %s: %v", id, err)
	}
	return tk
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

// routeTarget fills a route's path parameters with values that exist in an
// env with one mail ticket.
func routeTarget(path string) string {
	return strings.NewReplacer("{id}", "1", "{attachment_id}", "x", "{queue}", "support").Replace(path)
}

func TestAPIAuthentication(t *testing.T) {
	e := newAPIEnv(t)
	e.mail(t, 1)
	for _, rt := range New(Options{}).apiRoutes() {
		if rt.Public {
			continue
		}
		target := routeTarget(rt.Path)
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
			e.accounts.setDown(true)
			defer e.accounts.setDown(false)
			e.do(t, req{method: rt.Method, target: target, token: annToken, body: `{}`}).want(t, 503, "try again later")
		})
	}
}

func TestAPIBearerSchemeIsCaseInsensitive(t *testing.T) {
	e := newAPIEnv(t)
	e.do(t, req{method: "GET", target: "/api/v1/me", header: map[string]string{"Authorization": "bearer " + annToken}}).want(t, 200, "")
}

func TestAPINotRegisteredWithoutStore(t *testing.T) {
	for _, opts := range []Options{{}, {Accounts: newFakeAccounts()}} {
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

func TestAPIRolesAreChecked(t *testing.T) {
	for _, rt := range New(Options{}).apiRoutes() {
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
	New(Options{}).apiHandler(auth.Route{Method: "GET", Path: "/api/v1/x", Handler: func(http.ResponseWriter, *http.Request) {}})
}
