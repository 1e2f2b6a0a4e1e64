package api

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"frontdesk/fault"
	"frontdesk/routing"
	"frontdesk/routing/rulestore"
)

// fakeRules stands in for package desk's Rules: a rule set is valid unless it
// contains "bogus".
type fakeRules struct {
	mu       sync.Mutex
	versions []string
	by       []string
}

func (f *fakeRules) Current(context.Context) (*routing.RuleSet, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return &routing.RuleSet{Version: len(f.versions), Rules: []routing.Rule{}}, nil
}

func (f *fakeRules) Replace(_ context.Context, body []byte, by string) (int, error) {
	if strings.Contains(string(body), "bogus") {
		return 0, fmt.Errorf("%w: rules[0] \"x\": conditions[0].field: unknown field \"bogus\"", fault.ErrInvalid)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.versions, f.by = append(f.versions, string(body)), append(f.by, by)
	return len(f.versions), nil
}

func (f *fakeRules) Test(_ context.Context, body []byte) (routing.TestResult, error) {
	return routing.TestResult{MatchedRule: "VIP", Matched: []string{"VIP"}}, nil
}

func (f *fakeRules) History(context.Context, int) ([]rulestore.Version, error) {
	return []rulestore.Version{}, nil
}

func (f *fakeRules) Reroute(_ context.Context, id, by string) (routing.TestResult, error) {
	if id != "1" {
		return routing.TestResult{}, fmt.Errorf("ticket %s: %w", id, fault.ErrNotFound)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.by = append(f.by, by)
	return routing.TestResult{Decision: routing.TestDecision{Queue: "billing"}}, nil
}

func (f *fakeRules) Rollback(_ context.Context, v int, by string) (int, error) {
	if v > len(f.versions) {
		return 0, fmt.Errorf("version %d: %w", v, fault.ErrNotFound)
	}
	return f.Replace(context.Background(), []byte(f.versions[v-1]), by)
}

func TestRulesEndpoints(t *testing.T) {
	e := newAPIEnv(t)
	rules := &fakeRules{}
	e.h = serveAPI(newFront(t, e.store, e.accounts, rules))
	body := `{"rules": [{"name": "VIP", "conditions": [], "actions": []}]}`

	e.do(t, req{method: "PUT", target: "/api/v1/rules", token: annToken, body: body}).want(t, http.StatusForbidden, "")
	if len(rules.versions) != 0 {
		t.Fatal("an assistant changed the rules")
	}
	res := e.do(t, req{method: "PUT", target: "/api/v1/rules", token: maxToken, body: body})
	res.want(t, http.StatusOK, "")
	if v := decode[map[string]int](t, res); v["version"] != 1 || rules.by[0] != "max" {
		t.Fatalf("put = %v by %v", v, rules.by)
	}
	e.do(t, req{method: "PUT", target: "/api/v1/rules", token: maxToken, body: `{"rules": [{"name": "x", "conditions": [{"field": "bogus"}]}]}`}).
		want(t, http.StatusBadRequest, `unknown field "bogus"`)
	e.do(t, req{method: "PUT", target: "/api/v1/rules", token: maxToken, body: `not json`}).want(t, http.StatusBadRequest, "")
	e.do(t, req{method: "GET", target: "/api/v1/rules", token: annToken}).want(t, http.StatusOK, "")
	e.do(t, req{method: "POST", target: "/api/v1/rules/test", token: annToken, body: `{"eml": "Subject: x\r\n\r\nhi"}`}).want(t, http.StatusForbidden, "")
	if r := e.do(t, req{method: "POST", target: "/api/v1/rules/test", token: maxToken, body: `{"eml": "Subject: x\r\n\r\nhi"}`}); r.status != 200 ||
		!strings.Contains(string(r.body), "VIP") {
		t.Fatalf("test = %d %s", r.status, r.body)
	}
	e.do(t, req{method: "POST", target: "/api/v1/rules/rollback", token: maxToken, body: `{"version": 1}`}).want(t, http.StatusOK, "")
	e.do(t, req{method: "POST", target: "/api/v1/rules/rollback", token: maxToken, body: `{"version": 9}`}).want(t, http.StatusNotFound, "version 9")
	e.do(t, req{method: "POST", target: "/api/v1/rules/rollback", token: maxToken, body: `{"version": 0}`}).want(t, http.StatusBadRequest, "version must be 1 or more")
	e.do(t, req{method: "GET", target: "/api/v1/rules/history?limit=0", token: maxToken}).want(t, http.StatusBadRequest, "limit")
	e.do(t, req{method: "GET", target: "/api/v1/rules/history", token: annToken}).want(t, http.StatusForbidden, "")
	e.do(t, req{method: "GET", target: "/api/v1/rules/history", token: maxToken}).want(t, http.StatusOK, "")
	e.do(t, req{method: "POST", target: "/api/v1/tickets/1/route", token: annToken}).want(t, http.StatusForbidden, "")
	if r := e.do(t, req{method: "POST", target: "/api/v1/tickets/1/route", token: maxToken}); r.status != 200 ||
		!strings.Contains(string(r.body), `"queue":"billing"`) || rules.by[len(rules.by)-1] != "max" {
		t.Fatalf("route = %d %s by %v", r.status, r.body, rules.by)
	}
	e.do(t, req{method: "POST", target: "/api/v1/tickets/2/route", token: maxToken}).want(t, http.StatusNotFound, "")
}

func TestRulesEndpointsWithoutRules(t *testing.T) {
	e := newAPIEnv(t)
	r := httptest.NewRequest("GET", "/api/v1/rules", nil)
	r.Header.Set("Authorization", "Bearer "+annToken)
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, r)
	if rec.Code != http.StatusNotFound {
		t.Fatalf("GET /rules without rules = %d", rec.Code)
	}
}
