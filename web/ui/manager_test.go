package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io/fs"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
	xhtml "golang.org/x/net/html"

	"frontdesk/config"
	"frontdesk/desk"
	"frontdesk/fault"
	"frontdesk/routing"
	"frontdesk/routing/rulestore"
	"frontdesk/ticket"
	"frontdesk/web/auth"
	"frontdesk/web/front"
	"frontdesk/web/internal/testweb"
)

// managerTestConfig is the configuration the real rule service validates
// rules against.
const managerTestConfig = `
redis: {url: "redis://127.0.0.1:6379/0"}
queues:
  - {name: support, first_response: 4h}
  - {name: billing, first_response: 8h}
teams:
  - {name: billing-team, members: [ann, bob]}
business_hours:
  office: {timezone: Europe/Berlin, days: mon-fri, hours: "09:00-17:00"}
`

// managerTestRules is the rule set the manager tests start from (version 1).
const managerTestRules = `{"rules": [
 {"name": "Spam", "conditions": [{"field": "subject", "op": "contains", "value": "cheap pills"}], "actions": [{"type": "spam"}]},
 {"name": "VIP", "enabled": true, "stop": false,
  "conditions": [{"field": "from_domain", "op": "in", "value": ["bigcorp.example", "vip.example"]}],
  "actions": [{"type": "set_priority", "value": "high"}, {"type": "add_tags", "value": ["vip"]}]},
 {"name": "Invoices", "match": "any",
  "conditions": [{"field": "subject", "op": "contains", "value": "invoice"}, {"field": "body", "op": "matches", "value": "(?i)inv-\\d{6}"}],
  "actions": [{"type": "set_queue", "value": "billing"}, {"type": "assign", "team": "billing-team", "strategy": "round_robin"},
              {"type": "auto_ack", "value": false}]}
]}`

// newRuleService returns the real rule service over tickets, its versions
// in a miniredis of its own.
func newRuleService(t *testing.T, tickets ticket.Store) *desk.Rules {
	t.Helper()
	cfg, err := config.Parse([]byte(managerTestConfig), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { _ = rdb.Close() })
	d := desk.New(tickets, cfg, nil)
	return desk.NewRules(rulestore.New(rdb, "frontdesk"), d)
}

// fakeUserAdmin adds users to the fake accounts. A name must be lowercase
// letters; a password at least 8 characters.
type fakeUserAdmin struct {
	acc       *testweb.Accounts
	mu        sync.Mutex
	passwords map[string]string
}

var validUserName = regexp.MustCompile(`^[a-z]+$`)

func (f *fakeUserAdmin) AddUser(_ context.Context, name, role, password string) error {
	switch {
	case !validUserName.MatchString(name):
		return fmt.Errorf("%w: name %q: use lowercase letters only", fault.ErrInvalid, name)
	case role != auth.RoleAssistant && role != auth.RoleManager:
		return fmt.Errorf("%w: role %q: assistant or manager", fault.ErrInvalid, role)
	case len(password) < 8:
		return fmt.Errorf("%w: password: at least 8 characters", fault.ErrInvalid)
	}
	if !f.acc.Add(auth.Principal{Name: name, Role: role}) {
		return fmt.Errorf("user %s: %w: the name is taken", name, fault.ErrConflict)
	}
	f.mu.Lock()
	f.passwords[name] = password
	f.mu.Unlock()
	return nil
}

func (f *fakeUserAdmin) SetPassword(_ context.Context, name, password string) error {
	if _, ok := f.acc.User(name); !ok {
		return fmt.Errorf("user %s: %w", name, fault.ErrNotFound)
	}
	if len(password) < 8 {
		return fmt.Errorf("%w: password: at least 8 characters", fault.ErrInvalid)
	}
	f.mu.Lock()
	f.passwords[name] = password
	f.mu.Unlock()
	return nil
}

// managerEnv is the UI with the real rule service holding managerTestRules
// as version 1, user administration and the desk's settings.
type managerEnv struct {
	*uiEnv
	rules *desk.Rules
	admin *fakeUserAdmin
}

var testDeskSettings = &DeskSettings{
	Queues: []QueueSettings{
		{Name: "support", Address: "support@example.com", AutoAck: true, FirstResponse: 4 * time.Hour, BusinessHours: "office"},
		{Name: "billing", FirstResponse: 90 * time.Minute},
	},
	Teams: []TeamSettings{{Name: "billing-team", Members: []string{"ann", "bob"}, MaxOpenPerMember: 5}},
	BusinessHours: []BusinessHoursSettings{
		{Name: "office", Timezone: "Europe/Berlin", Days: "mon-fri", Hours: "09:00-17:00", Holidays: []string{"2026-12-25"}},
	},
}

func newManagerEnv(t *testing.T) *managerEnv {
	t.Helper()
	m := &managerEnv{}
	m.uiEnv = newUIEnv(t, func(d *front.Front, o *Options) {
		m.rules = newRuleService(t, d.Tickets)
		m.admin = &fakeUserAdmin{acc: d.Accounts.(*testweb.Accounts), passwords: map[string]string{}}
		d.Rules, o.Users, o.Settings = m.rules, m.admin, testDeskSettings
	})
	if _, err := m.rules.Replace(context.Background(), []byte(managerTestRules), "max"); err != nil {
		t.Fatal(err)
	}
	return m
}

// current returns the rule set in force.
func (m *managerEnv) current(t *testing.T) *routing.RuleSet {
	t.Helper()
	rs, err := m.rules.Current(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// rulesJSON is the JSON of rules, to compare rule sets whatever their
// version.
func rulesJSON(t *testing.T, rules []routing.Rule) string {
	t.Helper()
	b, err := json.Marshal(routing.RuleSet{Rules: rules})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// formValues returns what a browser sends of the form with id on page,
// without its buttons (the caller adds the one "pressed").
func formValues(t *testing.T, page, id string) (string, url.Values) {
	t.Helper()
	doc, err := xhtml.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	attr := func(n *xhtml.Node, key string) (string, bool) {
		for _, a := range n.Attr {
			if a.Key == key {
				return a.Val, true
			}
		}
		return "", false
	}
	var find func(n *xhtml.Node) *xhtml.Node
	find = func(n *xhtml.Node) *xhtml.Node {
		if v, _ := attr(n, "id"); n.Type == xhtml.ElementNode && n.Data == "form" && v == id {
			return n
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if f := find(c); f != nil {
				return f
			}
		}
		return nil
	}
	form := find(doc)
	if form == nil {
		t.Fatalf("no form #%s on the page:\n%s", id, page)
	}
	text := func(n *xhtml.Node) string {
		var b strings.Builder
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == xhtml.TextNode {
				b.WriteString(c.Data)
			}
		}
		return b.String()
	}
	vals := url.Values{}
	var walk func(n *xhtml.Node)
	walk = func(n *xhtml.Node) {
		name, named := attr(n, "name")
		_, disabled := attr(n, "disabled")
		if n.Type == xhtml.ElementNode && named && !disabled {
			switch n.Data {
			case "input":
				typ, _ := attr(n, "type")
				value, _ := attr(n, "value")
				_, checked := attr(n, "checked")
				switch typ {
				case "submit", "button", "image", "reset":
				case "checkbox", "radio":
					if checked {
						if value == "" {
							value = "on"
						}
						vals.Add(name, value)
					}
				default:
					vals.Add(name, value)
				}
			case "select":
				var first, selected *xhtml.Node
				for o := n.FirstChild; o != nil; o = o.NextSibling {
					if o.Type != xhtml.ElementNode || o.Data != "option" {
						continue
					}
					if first == nil {
						first = o
					}
					if _, ok := attr(o, "selected"); ok {
						selected = o
					}
				}
				if selected == nil {
					selected = first
				}
				if selected != nil {
					v, ok := attr(selected, "value")
					if !ok {
						v = text(selected)
					}
					vals.Add(name, v)
				}
			case "textarea":
				vals.Add(name, text(n))
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(form)
	action, _ := attr(form, "action")
	return action, vals
}

// wantPage fails the test unless res has status and body contains every
// one of wants once HTML-unescaped.
func wantPage(t *testing.T, what string, res *http.Response, body string, status int, wants ...string) {
	t.Helper()
	if res.StatusCode != status {
		t.Fatalf("%s: %d, want %d\n%s", what, res.StatusCode, status, body)
	}
	plain := html.UnescapeString(body)
	for _, w := range wants {
		if !strings.Contains(plain, w) {
			t.Errorf("%s: the page does not say %q\n%s", what, w, body)
		}
	}
}

// wantSaved fails the test unless res redirects to the rules page with the
// notice of version n.
func wantSaved(t *testing.T, what string, res *http.Response, body string, n int) {
	t.Helper()
	wantRedirect(t, what, res, body, "/rules", fmt.Sprintf("Rules saved as version %d", n))
}

func TestUIManagerPagesForbiddenToAssistants(t *testing.T) {
	m := newManagerEnv(t)
	ann := m.login(t, "ann")
	max := m.login(t, "max")
	for _, path := range []string{"/rules", "/rules/new", "/rules/0/edit", "/rules/history", "/rules/history?version=1", "/users", "/settings"} {
		if res, body := ann.get(t, path); res.StatusCode != http.StatusForbidden {
			t.Errorf("assistant GET %s: %d, want 403\n%s", path, res.StatusCode, body)
		}
		if res, body := max.get(t, path); res.StatusCode != http.StatusOK {
			t.Errorf("manager GET %s: %d, want 200\n%s", path, res.StatusCode, body)
		}
	}
	forms := map[string]url.Values{
		"/rules/test":           {"eml": {"Subject: x\r\n\r\nhi"}},
		"/rules/new":            {"base": {"1"}, "name": {"Mine"}},
		"/rules/0/edit":         {"base": {"1"}, "name": {"Spam"}},
		"/rules/0/move":         {"base": {"1"}, "dir": {"down"}},
		"/rules/0/enabled":      {"base": {"1"}, "enabled": {"false"}},
		"/rules/0/delete":       {"base": {"1"}},
		"/rules/rollback":       {"version": {"1"}},
		"/users":                {"name": {"eve"}, "role": {"manager"}, "password": {"long enough"}},
		"/users/max/password":   {"password": {"long enough"}},
		"/users/bob/role":       {"role": {"manager"}},
		"/users/bob/disabled":   {"disabled": {"true"}},
		"/rules/0/edit?do=test": {"base": {"1"}, "name": {"Spam"}, "do": {"test"}, "eml": {"Subject: x\r\n\r\nhi"}},
	}
	for path, form := range forms {
		if res, body := ann.post(t, path, form); res.StatusCode != http.StatusForbidden {
			t.Errorf("assistant POST %s: %d, want 403\n%s", path, res.StatusCode, body)
		}
	}
	if v := m.current(t).Version; v != 1 {
		t.Errorf("the assistant's forms changed the rules: version %d", v)
	}
	if _, ok := m.accounts.User("eve"); ok || len(m.admin.passwords) != 0 || m.user("bob") != (auth.Principal{Name: "bob", Role: auth.RoleAssistant, Away: true}) {
		t.Error("the assistant's forms changed the users")
	}
}

func TestUIRulesList(t *testing.T) {
	m := newManagerEnv(t)
	max := m.login(t, "max")
	res, body := max.get(t, "/rules")
	wantPage(t, "GET /rules", res, body, http.StatusOK,
		`id="rules-list"`, `id="rules-version" data-version="1"`, "version 1",
		`data-rule-index="0" data-rule-name="Spam"`, `data-rule-index="2" data-rule-name="Invoices"`,
		`subject contains "cheap pills"`, "mark as spam",
		`from_domain in [bigcorp.example, vip.example]`, "priority → high", "add tags: vip", "continues",
		"any of", `body matches "(?i)inv-\d{6}"`, "queue → billing", "assign to team billing-team (round robin)",
		"acknowledge automatically: no",
		`id="rule-test-eml"`, `id="rule-test-run"`, `href="/rules/new"`, `aria-current="page"`)
	if csp := res.Header.Get("Content-Security-Policy"); csp != uiCSP {
		t.Errorf("CSP = %q", csp)
	}
	// Every rule has its buttons, each a form with the form token and the
	// version it is based on.
	if n := strings.Count(body, `name="base" value="1"`); n != 3*4 {
		t.Errorf("%d forms based on version 1, want 12", n)
	}

	// Without rules configured the pages are not there.
	plain := newUIEnv(t)
	res, _ = plain.login(t, "max").get(t, "/rules")
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("GET /rules without rules: %d, want 404", res.StatusCode)
	}
}

func TestUIRuleEditSavesExactlyTheEdit(t *testing.T) {
	m := newManagerEnv(t)
	max := m.login(t, "max")
	before := m.current(t)

	res, body := max.get(t, "/rules/2/edit")
	wantPage(t, "GET /rules/2/edit", res, body, http.StatusOK, `id="rule-form"`, `id="rule-save"`,
		`id="cond-0-value" value="invoice"`, `value="(?i)inv-\d{6}"`, `name="base" value="1"`)
	action, form := formValues(t, body, "rule-form")
	if action != "/rules/2/edit" {
		t.Fatalf("the form posts to %q", action)
	}
	form.Set("c0.value", "bill")
	form.Set("do", "save")
	res, body = max.post(t, action, form)
	wantSaved(t, "save", res, body, 2)

	after := m.current(t)
	want := before.Rules
	want[2].Conditions[0].Value = "bill"
	if got := rulesJSON(t, after.Rules); got != rulesJSON(t, want) {
		t.Errorf("saved rules:\n%s\nwant:\n%s", got, rulesJSON(t, want))
	}
	res, body = max.get(t, "/rules")
	wantPage(t, "the rules afterwards", res, body, http.StatusOK, "Rules saved as version 2", `subject contains "bill"`)
	// The notice is shown once.
	if _, body = max.get(t, "/rules"); strings.Contains(body, "Rules saved as version 2") {
		t.Error("the notice is shown again on the next page")
	}

	// Every rule survives a round trip through its form unchanged.
	for i := range after.Rules {
		cur := m.current(t)
		_, page := max.get(t, fmt.Sprintf("/rules/%d/edit", i))
		action, form := formValues(t, page, "rule-form")
		form.Set("do", "save")
		res, body := max.post(t, action, form)
		wantSaved(t, fmt.Sprintf("rule %d unchanged", i), res, body, cur.Version+1)
		if got, want := rulesJSON(t, m.current(t).Rules), rulesJSON(t, cur.Rules); got != want {
			t.Errorf("rule %d changed through its form:\n%s\nwant:\n%s", i, got, want)
		}
	}

	// A rule edited in several places, rows removed and added.
	_, page := max.get(t, "/rules/1/edit")
	action, form = formValues(t, page, "rule-form")
	form.Set("name", "Big customers")
	form.Set("stop", "on")
	form.Set("match", "any")
	form.Set("c0.value", "bigcorp.example, vip.example,  new.example ,")
	form.Set("c1.field", "has_attachment")
	form.Set("c1.op", "equals")
	form.Set("c1.value", "true")
	form.Set("a1.remove", "on")
	form.Set("a2.type", "set_sla")
	form.Set("a2.value", "2h")
	form.Set("do", "save")
	res, body = max.post(t, action, form)
	v := m.current(t).Version
	wantSaved(t, "several edits", res, body, v)
	got := m.current(t).Rules[1]
	wantRule := `{"name":"Big customers","enabled":true,"match":"any","stop":true,` +
		`"conditions":[{"field":"from_domain","op":"in","value":["bigcorp.example","vip.example","new.example"]},` +
		`{"field":"has_attachment","op":"equals","value":true}],` +
		`"actions":[{"type":"set_priority","value":"high"},{"type":"set_sla","value":"2h"}]}`
	if b, _ := json.Marshal(got); string(b) != wantRule {
		t.Errorf("edited rule:\n%s\nwant:\n%s", b, wantRule)
	}
}

func TestUIRuleNew(t *testing.T) {
	m := newManagerEnv(t)
	max := m.login(t, "max")
	res, body := max.get(t, "/rules/new")
	wantPage(t, "GET /rules/new", res, body, http.StatusOK, `id="rule-form"`, `action="/rules/new"`)
	action, form := formValues(t, body, "rule-form")
	form.Set("name", "Fax")
	form.Set("c0.field", "channel")
	form.Set("c0.op", "equals")
	form.Set("c0.value", "fax")
	form.Set("a0.type", "assign")
	form.Set("a0.assignee", "ann")
	form.Set("do", "save")
	res, body = max.post(t, action, form)
	wantSaved(t, "new rule", res, body, 2)
	rs := m.current(t)
	if len(rs.Rules) != 4 {
		t.Fatalf("%d rules, want 4", len(rs.Rules))
	}
	want := `{"name":"Fax","conditions":[{"field":"channel","op":"equals","value":"fax"}],"actions":[{"type":"assign","assignee":"ann"}]}`
	if b, _ := json.Marshal(rs.Rules[3]); string(b) != want {
		t.Errorf("new rule:\n%s\nwant:\n%s", b, want)
	}

	// "More rows" adds blank rows and saves nothing.
	form.Set("do", "more")
	res, body = max.post(t, action, form)
	wantPage(t, "more rows", res, body, http.StatusOK, `id="cond-4-field"`, `id="act-4-type"`)
	if m.current(t).Version != 2 {
		t.Error("more rows saved the rules")
	}
}

func TestUIRuleInvalidIsRefused(t *testing.T) {
	m := newManagerEnv(t)
	max := m.login(t, "max")
	_, page := max.get(t, "/rules/2/edit")
	action, form := formValues(t, page, "rule-form")
	form.Set("c0.op", "like")
	form.Set("c1.value", "inv-(")
	form.Set("a0.value", "nowhere")
	form.Set("do", "save")
	res, body := max.post(t, action, form)
	wantPage(t, "invalid rule", res, body, http.StatusBadRequest,
		"Nothing was saved: the rules are not valid.", `id="rule-problems"`,
		// Rules numbered as the list shows them; the pattern as the manager
		// wrote it, without the (?i) case-insensitivity adds.
		`Rule 3 “Invoices”: conditions[0].op: unknown operator "like"`,
		"Rule 3 “Invoices”: conditions[1].value: invalid regular expression: missing closing ): `inv-(`",
		`Rule 3 “Invoices”: actions[0].value: unknown queue "nowhere" (known: support, billing)`,
		// The form again, as submitted, the rows with their problems.
		`id="rule-form"`, `<option value="like" selected>like</option>`, `value="inv-("`, `value="nowhere"`,
		`data-row="condition" data-n="0" class="invalid"`, `data-row="action" data-n="0" class="invalid"`)
	if rs := m.current(t); rs.Version != 1 {
		t.Errorf("an invalid rule was saved: version %d", rs.Version)
	}

	// A name taken by another rule, and none at all.
	form.Set("c0.op", "contains")
	form.Set("c1.value", "inv-1")
	form.Set("a0.value", "billing")
	form.Set("name", "Spam")
	res, body = max.post(t, action, form)
	wantPage(t, "duplicate name", res, body, http.StatusBadRequest, `Rule 3 “Spam”: name: also the name of rule 1`, `id="rule-own-problems"`)
	form.Set("name", " ")
	res, body = max.post(t, action, form)
	wantPage(t, "no name", res, body, http.StatusBadRequest, `Rule 3: name: required`)
	if rs := m.current(t); rs.Version != 1 {
		t.Errorf("an invalid rule was saved: version %d", rs.Version)
	}
}

func TestUIRulesReorderEnableDelete(t *testing.T) {
	m := newManagerEnv(t)
	max := m.login(t, "max")
	names := func() string {
		var out []string
		for _, r := range m.current(t).Rules {
			s := r.Name
			if !r.IsEnabled() {
				s += "(off)"
			}
			out = append(out, s)
		}
		return strings.Join(out, ",")
	}

	res, body := max.post(t, "/rules/0/move", url.Values{"base": {"1"}, "dir": {"down"}})
	wantSaved(t, "move down", res, body, 2)
	if got := names(); got != "VIP,Spam,Invoices" {
		t.Errorf("after move down: %s", got)
	}
	res, body = max.post(t, "/rules/2/move", url.Values{"base": {"2"}, "dir": {"up"}})
	wantSaved(t, "move up", res, body, 3)
	if got := names(); got != "VIP,Invoices,Spam" {
		t.Errorf("after move up: %s", got)
	}
	res, body = max.post(t, "/rules/0/move", url.Values{"base": {"3"}, "dir": {"up"}})
	wantPage(t, "move the first up", res, body, http.StatusBadRequest, `rule "VIP" cannot move further`)
	res, body = max.post(t, "/rules/1/move", url.Values{"base": {"3"}, "dir": {"sideways"}})
	wantPage(t, "move sideways", res, body, http.StatusBadRequest, `dir "sideways" must be up or down`)
	res, body = max.post(t, "/rules/1/enabled", url.Values{"base": {"3"}, "enabled": {"maybe"}})
	wantPage(t, "enable maybe", res, body, http.StatusBadRequest, `enabled "maybe" must be true or false`)
	if got := names(); got != "VIP,Invoices,Spam" {
		t.Errorf("after refused changes: %s", got)
	}

	res, body = max.post(t, "/rules/1/enabled", url.Values{"base": {"3"}, "enabled": {"false"}})
	wantSaved(t, "disable", res, body, 4)
	if got := names(); got != "VIP,Invoices(off),Spam" {
		t.Errorf("after disable: %s", got)
	}
	_, body = max.get(t, "/rules")
	wantPage(t, "disabled rule", res, body, res.StatusCode, `class="rule disabled" data-rule-index="1" data-rule-name="Invoices" data-enabled="false"`, ">Enable</button>")
	res, body = max.post(t, "/rules/1/enabled", url.Values{"base": {"4"}, "enabled": {"true"}})
	wantSaved(t, "enable", res, body, 5)

	res, body = max.post(t, "/rules/2/delete", url.Values{"base": {"5"}})
	wantSaved(t, "delete", res, body, 6)
	if got := names(); got != "VIP,Invoices" {
		t.Errorf("after delete: %s", got)
	}
	res, body = max.post(t, "/rules/7/delete", url.Values{"base": {"6"}})
	wantPage(t, "delete a rule that is not there", res, body, http.StatusNotFound)
	res, body = max.post(t, "/rules/x/delete", url.Values{"base": {"6"}})
	wantPage(t, "delete rule x", res, body, http.StatusNotFound)
	res, body = max.post(t, "/rules/1/delete", url.Values{"base": {"six"}})
	wantPage(t, "delete without a base", res, body, http.StatusBadRequest, `"base"`)
}

func TestUIRulesStaleBaseIsRefused(t *testing.T) {
	m := newManagerEnv(t)
	max := m.login(t, "max")
	_, page := max.get(t, "/rules/2/edit")
	action, form := formValues(t, page, "rule-form")

	// Meanwhile someone else moves a rule.
	res, body := max.post(t, "/rules/0/move", url.Values{"base": {"1"}, "dir": {"down"}})
	wantSaved(t, "move", res, body, 2)

	// A draft of the old form is not tested among the new rules, where
	// its place is another rule's.
	form.Set("eml", testMail)
	form.Set("do", "test")
	res, body = max.post(t, action, form)
	wantPage(t, "stale draft test", res, body, http.StatusConflict, "version 2 is now in force")
	if strings.Contains(body, "What this draft would do") {
		t.Error("a draft of an outdated form was tested")
	}

	form.Set("c0.value", "bill")
	form.Set("do", "save")
	res, body = max.post(t, action, form)
	wantPage(t, "stale save", res, body, http.StatusConflict,
		"the rules were changed while you were working on them (this page showed version 1, version 2 is now in force)",
		`value="bill"`)
	res, body = max.post(t, "/rules/0/delete", url.Values{"base": {"1"}})
	wantPage(t, "stale delete", res, body, http.StatusConflict, "version 2 is now in force", `id="rules-list"`)
	if rs := m.current(t); rs.Version != 2 || len(rs.Rules) != 3 || rs.Rules[2].Conditions[0].Value != "invoice" {
		t.Errorf("a stale form changed the rules: %+v", rs)
	}
}

// testMail is a mail the rules send to billing, from a VIP.
const testMail = "From: CEO <ceo@bigcorp.example>\r\nTo: support@example.com\r\nSubject: Invoice 12 is wrong\r\n" +
	"Message-ID: <1@bigcorp.example>\r\nDate: Mon, 2 Mar 2026 10:00:00 +0100\r\n\r\nPlease check INV-123456.\r\n"

func TestUIRulesTestBox(t *testing.T) {
	m := newManagerEnv(t)
	max := m.login(t, "max")
	_, page := max.get(t, "/rules")
	action, form := formValues(t, page, "rule-test-form")
	form.Set("eml", testMail)
	form.Set("mailbox", "support")
	res, body := max.post(t, action, form)
	wantPage(t, "test", res, body, http.StatusOK,
		`id="rule-test-result"`, `id="trace"`, "What the rules in force (version 1) would do",
		"First rule matched: <strong>VIP</strong>", "(all matched: VIP, Invoices)",
		`data-decision="queue">billing<`, `data-decision="priority">high<`, `data-decision="tags">vip<`,
		`data-decision="assign">team billing-team (round robin)<`, `data-decision="auto_ack">no<`,
		`data-trace-rule="Spam" data-matched="false"`, `data-trace-rule="VIP" data-matched="true"`,
		`data-trace-rule="Invoices" data-matched="true"`,
		"<td>from_domain</td><td>in</td><td><code>[bigcorp.example, vip.example]</code></td><td><code>bigcorp.example</code></td>",
		`<td>subject</td><td>contains</td><td><code>"cheap pills"</code></td><td><code>Invoice 12 is wrong</code></td>`,
		// The pasted mail stays in the box.
		"Subject: Invoice 12 is wrong")
	if v := m.current(t).Version; v != 1 {
		t.Errorf("the test saved the rules: version %d", v)
	}

	res, body = max.post(t, "/rules/test", url.Values{"eml": {"  "}})
	wantPage(t, "test without a mail", res, body, http.StatusBadRequest, "The test did not run", "paste a whole mail")
}

func TestUIRuleDraftTest(t *testing.T) {
	m := newManagerEnv(t)
	max := m.login(t, "max")
	_, page := max.get(t, "/rules/0/edit")
	action, form := formValues(t, page, "rule-form")
	// The draft: spam is anything from bigcorp.
	form.Set("c0.field", "from_domain")
	form.Set("c0.op", "equals")
	form.Set("c0.value", "bigcorp.example")
	form.Set("eml", testMail)
	form.Set("do", "test")
	res, body := max.post(t, action, form)
	wantPage(t, "draft test", res, body, http.StatusOK,
		"What this draft would do", "First rule matched: <strong>Spam</strong>", `data-decision="spam"><strong class="late">yes`,
		`data-trace-rule="Spam" data-matched="true"`, "<td>from_domain</td><td>equals</td>",
		// The form keeps the draft.
		`id="rule-form"`, `id="cond-0-value" value="bigcorp.example"`)
	if strings.Contains(body, `data-trace-rule="VIP"`) {
		t.Error("the trace goes on after a rule that stops routing")
	}
	if v := m.current(t).Version; v != 1 {
		t.Errorf("testing a draft saved it: version %d", v)
	}

	// An invalid draft is not tested; its problems are shown.
	form.Set("c0.value", "")
	form.Set("c0.op", "matches")
	res, body = max.post(t, action, form)
	wantPage(t, "invalid draft", res, body, http.StatusBadRequest,
		"The draft was not tested: the rules are not valid.", `Rule 1 “Spam”: conditions[0].value: must not be empty for matches`)
	if strings.Contains(body, `id="trace"`) {
		t.Error("an invalid draft shows a trace")
	}
}

func TestUIRulesHistoryAndRollback(t *testing.T) {
	m := newManagerEnv(t)
	max := m.login(t, "max")
	res, body := max.post(t, "/rules/0/delete", url.Values{"base": {"1"}})
	wantSaved(t, "delete", res, body, 2)

	res, body = max.get(t, "/rules/history")
	wantPage(t, "history", res, body, http.StatusOK, `id="history-list"`, `<tr data-version="2" class="current">`, `<tr data-version="1">`, "in force")
	if i, j := strings.Index(body, `data-version="2"`), strings.Index(body, `data-version="1"`); i < 0 || j < i {
		t.Error("the history is not newest first")
	}
	if strings.Contains(body, `id="history-view"`) {
		t.Error("the history shows a version nobody asked for")
	}
	res, body = max.get(t, "/rules/history?version=1")
	wantPage(t, "view version 1", res, body, http.StatusOK, `id="history-view" data-version="1"`, `id="history-json"`,
		"\n  \"version\": 1,\n  \"rules\": [\n", `"name": "Spam"`, `id="history-view-rollback"`)
	res, body = max.get(t, "/rules/history?version=99")
	wantPage(t, "view version 99", res, body, http.StatusNotFound, "Version 99 of the rules is not kept")
}

func TestUIRulesRollback(t *testing.T) {
	m := newManagerEnv(t)
	max := m.login(t, "max")
	v1 := m.current(t)
	res, body := max.post(t, "/rules/0/delete", url.Values{"base": {"1"}})
	wantSaved(t, "delete", res, body, 2)

	res, body = max.post(t, "/rules/rollback", url.Values{"version": {"1"}})
	wantRedirect(t, "rollback", res, body, "/rules", "Version 1 restored: rules saved as version 3")
	now := m.current(t)
	if now.Version != 3 || rulesJSON(t, now.Rules) != rulesJSON(t, v1.Rules) {
		t.Errorf("after rollback: version %d\n%s", now.Version, rulesJSON(t, now.Rules))
	}
	_, body = max.get(t, "/rules/history")
	wantPage(t, "history after rollback", res, body, res.StatusCode, "rollback to 1")

	res, body = max.post(t, "/rules/rollback", url.Values{"version": {"42"}})
	wantPage(t, "rollback to 42", res, body, http.StatusNotFound, "roll back to version 42", `id="history-list"`)
	res, body = max.post(t, "/rules/rollback", url.Values{"version": {"0"}})
	wantPage(t, "rollback to 0", res, body, http.StatusBadRequest)
}

func TestUIUsers(t *testing.T) {
	m := newManagerEnv(t)
	max := m.login(t, "max")
	res, body := max.get(t, "/users")
	wantPage(t, "GET /users", res, body, http.StatusOK, `id="users-list"`, `data-user="ann"`, `data-user="bob"`,
		`data-user="max"`, "away", `id="user-add-form"`, `action="/users/ann/password"`)

	action, form := formValues(t, body, "user-add-form")
	form.Set("name", "carol")
	form.Set("role", "manager")
	form.Set("password", "correct horse")
	res, body = max.post(t, action, form)
	wantRedirect(t, "add carol", res, body, "/users", "User carol added")
	if u := m.user("carol"); u.Role != auth.RoleManager || m.admin.passwords["carol"] != "correct horse" {
		t.Errorf("carol = %+v", u)
	}
	_, body = max.get(t, "/users")
	wantPage(t, "users afterwards", res, body, res.StatusCode, `data-user="carol"`)

	form.Set("name", "Bad Name")
	res, body = max.post(t, action, form)
	wantPage(t, "bad name", res, body, http.StatusBadRequest, `name "Bad Name": use lowercase letters only`, `value="Bad Name"`)
	form.Set("name", "ann")
	res, body = max.post(t, action, form)
	wantPage(t, "taken name", res, body, http.StatusConflict, "the name is taken")

	res, body = max.post(t, "/users/ann/password", url.Values{"password": {"new secret 1"}})
	if res.StatusCode != http.StatusSeeOther || m.admin.passwords["ann"] != "new secret 1" {
		t.Fatalf("set ann's password: %d\n%s", res.StatusCode, body)
	}
	res, body = max.post(t, "/users/ann/password", url.Values{"password": {"short"}})
	wantPage(t, "short password", res, body, http.StatusBadRequest, "at least 8 characters")
	res, body = max.post(t, "/users/nobody/password", url.Values{"password": {"long enough"}})
	wantPage(t, "nobody's password", res, body, http.StatusNotFound)

	// Without user administration the page is read-only.
	plain := newUIEnv(t)
	pmax := plain.login(t, "max")
	res, body = pmax.get(t, "/users")
	wantPage(t, "read-only users", res, body, http.StatusOK, `data-user="ann"`, `id="users-read-only"`)
	if strings.Contains(body, `id="user-add-form"`) || strings.Contains(body, "/password") {
		t.Error("the read-only users page has forms")
	}
	res, _ = pmax.post(t, "/users", url.Values{"name": {"carol"}, "role": {"manager"}, "password": {"long enough"}})
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("add a user without user administration: %d, want 404", res.StatusCode)
	}
}

func TestUIUserRoleAndDisable(t *testing.T) {
	m := newManagerEnv(t)
	max := m.login(t, "max")
	ann := m.login(t, "ann")
	res, body := max.get(t, "/users")
	wantPage(t, "GET /users", res, body, http.StatusOK, `id="user-role-ann"`, `id="user-disable-ann"`,
		`data-confirm="Disable ann? Their sessions and API tokens end at once`, `max <span class="muted">(you)</span>`, "Another manager can change your role or disable you")
	if strings.Contains(body, `id="user-disable-max"`) || strings.Contains(body, `id="user-role-max"`) {
		t.Error("the users page offers a manager to disable or demote themselves")
	}

	// A new role holds at once for the user's session.
	if res, _ := ann.get(t, "/rules"); res.StatusCode != http.StatusForbidden {
		t.Fatalf("assistant ann GET /rules: %d", res.StatusCode)
	}
	action, form := formValues(t, body, "user-role-ann")
	form.Set("role", "manager")
	res, body = max.post(t, action, form)
	wantRedirect(t, "ann made a manager", res, body, "/users", "ann is now a manager")
	if res, _ := ann.get(t, "/rules"); res.StatusCode != http.StatusOK {
		t.Errorf("ann, made a manager, GET /rules: %d", res.StatusCode)
	}
	res, body = max.post(t, action, url.Values{"role": {"assistant"}})
	wantRedirect(t, "ann an assistant again", res, body, "/users", "ann is now an assistant")

	// Disabling ends the user's session at once, and the page says so.
	_, body = max.get(t, "/users")
	action, form = formValues(t, body, "user-disable-ann")
	res, body = max.post(t, action, form)
	wantRedirect(t, "disable ann", res, body, "/users", "ann disabled: their sessions and API tokens have ended")
	if !m.user("ann").Disabled {
		t.Fatal("ann is not disabled")
	}
	if res, _ := ann.get(t, "/mine"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
		t.Errorf("ann's session after disabling: %d to %q, want the login page", res.StatusCode, res.Header.Get("Location"))
	}
	res, body = max.get(t, "/users")
	wantPage(t, "users with ann disabled", res, body, http.StatusOK, `<tr data-user="ann" data-disabled="true" class="disabled">`,
		`<span class="badge disabled">disabled</span>`, `id="user-enable-ann"`)
	u := m.anonymous()
	_, login := u.get(t, "/login")
	res, login = u.postRaw(t, "/login", url.Values{"csrf": {formToken(t, login)}, "name": {"ann"}, "password": {"pw-ann"}})
	wantPage(t, "disabled ann signs in", res, login, http.StatusForbidden, "This account is disabled. A manager can enable it again.")

	action, form = formValues(t, body, "user-enable-ann")
	res, body = max.post(t, action, form)
	wantRedirect(t, "enable ann", res, body, "/users", "ann enabled: they can sign in with their password again")
	m.login(t, "ann")

	for _, tc := range []struct {
		name, path string
		form       url.Values
		status     int
		says       string
	}{
		{"disable oneself", "/users/max/disabled", url.Values{"disabled": {"true"}}, http.StatusConflict, "Nothing was saved: you cannot disable yourself or give up your own manager role"},
		{"demote oneself", "/users/max/role", url.Values{"role": {"assistant"}}, http.StatusConflict, "you cannot disable yourself"},
		{"unknown user", "/users/nobody/disabled", url.Values{"disabled": {"true"}}, http.StatusNotFound, "Nothing was saved"},
		{"bad role", "/users/ann/role", url.Values{"role": {"admin"}}, http.StatusBadRequest, `role "admin": must be assistant or manager`},
		{"bad disabled", "/users/ann/disabled", url.Values{"disabled": {"maybe"}}, http.StatusBadRequest, "disabled must be true or false"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, body := max.post(t, tc.path, tc.form)
			wantPage(t, tc.name, res, body, tc.status, tc.says, `id="users-list"`)
		})
	}
	if u := m.user("max"); u.Role != auth.RoleManager || u.Disabled {
		t.Errorf("max after refused changes: %+v", u)
	}
	if u := m.user("ann"); u.Role != auth.RoleAssistant || u.Disabled {
		t.Errorf("ann after refused changes: %+v", u)
	}

	// Without user administration the forms are not there and not served.
	plain := newUIEnv(t)
	pmax := plain.login(t, "max")
	_, body = pmax.get(t, "/users")
	if strings.Contains(body, "user-role-") || strings.Contains(body, "user-disable-") {
		t.Error("the read-only users page has role or disable forms")
	}
	if res, _ := pmax.post(t, "/users/ann/disabled", url.Values{"disabled": {"true"}}); res.StatusCode != http.StatusNotFound || plain.user("ann").Disabled {
		t.Errorf("disable without user administration: %d, want 404", res.StatusCode)
	}
}

func TestUISettings(t *testing.T) {
	m := newManagerEnv(t)
	max := m.login(t, "max")
	res, body := max.get(t, "/settings")
	wantPage(t, "GET /settings", res, body, http.StatusOK, "frontdesk.yaml", "take effect when frontdesk is restarted",
		`id="settings-queues"`, `<tr data-queue="support">`, "support@example.com", "<td>4 h</td>", "<td>1 h 30 min</td>", "<td>office</td>",
		`id="settings-teams"`, `<tr data-team="billing-team">`, "ann, bob", `<td class="num">5</td>`,
		`id="settings-hours"`, `<tr data-calendar="office">`, "Europe/Berlin", "mon-fri", "09:00-17:00", "2026-12-25",
		"Waiting", "SLA breached")

	plain := newUIEnv(t)
	res, body = plain.login(t, "max").get(t, "/settings")
	wantPage(t, "settings without Settings", res, body, http.StatusOK, `<tr data-queue="support">`, `<tr data-queue="billing">`, "frontdesk.yaml")
	if strings.Contains(body, `id="settings-hours"`) || strings.Contains(body, "Address") {
		t.Error("settings without Settings show configuration")
	}
}

func TestUIRulesEscaped(t *testing.T) {
	m := newManagerEnv(t)
	max := m.login(t, "max")
	const evil = `<script>alert(1)</script>`
	set := `{"rules": [{"name": "` + strings.ReplaceAll(evil, "/", `\/`) + `", "stop": false,
	  "conditions": [{"field": "subject", "op": "contains", "value": "\"><img src=x onerror=alert(2)>"}],
	  "actions": [{"type": "add_tags", "value": ["<b>bold</b>"]}]}]}`
	if _, err := m.rules.Replace(context.Background(), []byte(set), "max"); err != nil {
		t.Fatal(err)
	}
	mail := "From: a@example.org\r\nTo: support@example.com\r\nSubject: \"><img src=x onerror=alert(2)> " + evil + "\r\n\r\nhi\r\n"
	pages := map[string]string{}
	_, pages["list"] = max.get(t, "/rules")
	_, pages["edit"] = max.get(t, "/rules/0/edit")
	_, pages["history"] = max.get(t, "/rules/history?version=2")
	_, pages["test"] = max.post(t, "/rules/test", url.Values{"eml": {mail}})
	for name, body := range pages {
		for _, raw := range []string{evil, "<img src=x", "<b>bold"} {
			if strings.Contains(body, raw) {
				t.Errorf("%s page holds %q unescaped", name, raw)
			}
		}
		if !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
			t.Errorf("%s page does not show the rule's name escaped:\n%s", name, body)
		}
	}
	if !strings.Contains(pages["test"], `data-trace-rule="&lt;script&gt;alert(1)&lt;/script&gt;" data-matched="true"`) {
		t.Errorf("the trace does not show the evil rule matching:\n%s", pages["test"])
	}
}

func TestUIManagerTemplates(t *testing.T) {
	ts := parseUITemplates()
	for _, name := range []string{"rules", "rule_edit", "rules_history", "users", "settings"} {
		if ts[name] == nil {
			t.Errorf("no template %q", name)
		}
	}
	// The CSP forbids inline script and style: the pages have none.
	inline := regexp.MustCompile(`(?i)<script|<style|\sstyle=|\son[a-z]+=|javascript:`)
	for _, name := range []string{"rules", "rule_edit", "rules_history", "users", "settings", "partials_rules"} {
		b, err := fs.ReadFile(uiFiles, "templates/"+name+".html")
		if err != nil {
			t.Fatal(err)
		}
		if loc := inline.FindIndex(b); loc != nil {
			t.Errorf("%s.html has inline script or style: %q", name, b[loc[0]:min(loc[1]+20, len(b))])
		}
	}
}

func TestUnescapeHTMLSafe(t *testing.T) {
	for in, want := range map[string]string{
		`{"name": "Billing \u0026 invoices \u003cnew\u003e"}`: `{"name": "Billing & invoices <new>"}`,
		`"a\\u003cb"`:    `"a\\u003cb"`, // an escaped backslash, then text
		`"\u00e9\n\"\\"`: `"\u00e9\n\"\\"`,
		`"ends with \\"`: `"ends with \\"`,
		`"\\\u003c"`:     `"\\<"`,
		`trailing \`:     `trailing \`,
	} {
		if got := unescapeHTMLSafe(in); got != want {
			t.Errorf("unescapeHTMLSafe(%s) = %s, want %s", in, got, want)
		}
	}
}
