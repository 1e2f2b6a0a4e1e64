package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"frontdesk/fault"
	"frontdesk/routing"
	"frontdesk/web/auth"
)

// rulesPage is the rules page's data: the rule set in force, the test box
// and, after a test, its result.
type rulesPage struct {
	Version int
	Rules   []ruleView
	// EML and Mailbox are what was pasted into the test box.
	EML, Mailbox string
	Test         *testView
	Problem      formProblem
}

// rulesConfigured answers 404 when the server has no rules to edit.
func (h *Handlers) rulesConfigured(w http.ResponseWriter, r *http.Request) bool {
	if h.Rules == nil {
		h.renderError(w, r, http.StatusNotFound, "Routing rules are not configured on this server.")
		return false
	}
	return true
}

// currentRules reads the rule set in force through encoding/json: RuleSets
// answers anything that marshals to the rule set JSON.
func (h *Handlers) currentRules(ctx context.Context) (*routing.RuleSet, error) {
	v, err := h.Rules.Current(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the rules in force: %w", err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("read the rules in force: %w", err)
	}
	var rs routing.RuleSet
	if err := json.Unmarshal(b, &rs); err != nil {
		return nil, fmt.Errorf("read the rules in force: %w", err)
	}
	return &rs, nil
}

// changeRules stores the next version of the rules: change applied to a copy
// of cur's rules. A form based on another version than cur's is refused with
// a *staleRulesError (409). RuleSets.Replace validates the new set whole, and
// stores it only while base is still the version in force (409 otherwise), so
// two saves at the same moment cannot both pass.
func (h *Handlers) changeRules(ctx context.Context, cur *routing.RuleSet, base int, by string,
	change func(rules []routing.Rule) ([]routing.Rule, error)) (int, error) {
	if base != cur.Version {
		return 0, &staleRulesError{base: base, current: cur.Version}
	}
	rules, err := change(slices.Clone(cur.Rules))
	if err != nil {
		return 0, err
	}
	body, err := json.Marshal(routing.RuleSet{Version: base, Rules: rules})
	if err != nil {
		return 0, fmt.Errorf("save the rules: %w", err)
	}
	n, err := h.Rules.Replace(ctx, body, by)
	if err != nil {
		return 0, fmt.Errorf("save the rules: %w", err)
	}
	return n, nil
}

// testRules runs a pasted mail through the rules in force or, when draft is
// not nil, through the draft rule set instead.
func (h *Handlers) testRules(ctx context.Context, eml, mailbox string, draft *routing.RuleSet) (*testView, error) {
	if strings.TrimSpace(eml) == "" {
		return nil, fmt.Errorf("%w: paste a whole mail (headers, a blank line, the body) to test the rules with", fault.ErrInvalid)
	}
	body, err := json.Marshal(struct {
		EML     string           `json:"eml"`
		Mailbox string           `json:"mailbox,omitempty"`
		Rules   *routing.RuleSet `json:"rules,omitempty"`
	}{eml, strings.TrimSpace(mailbox), draft})
	if err != nil {
		return nil, fmt.Errorf("test the rules: %w", err)
	}
	res, err := h.Rules.Test(ctx, body)
	if err != nil {
		return nil, fmt.Errorf("test the rules: %w", err)
	}
	return newTestView(res, draft != nil)
}

// handleUIRules shows the rule set in force, with the buttons that change
// it and the test box.
func (h *Handlers) handleUIRules(w http.ResponseWriter, r *http.Request) {
	if !h.rulesConfigured(w, r) {
		return
	}
	h.showRules(w, r, http.StatusOK, &rulesPage{})
}

// showRules renders the rules page with the rule set in force.
func (h *Handlers) showRules(w http.ResponseWriter, r *http.Request, status int, page *rulesPage) {
	rs, err := h.currentRules(r.Context())
	if err != nil {
		h.uiError(w, r, err)
		return
	}
	page.Version, page.Rules = rs.Version, ruleViews(rs.Rules)
	h.render(w, r, status, "rules", &pageData{Title: "Routing rules", Nav: "rules", Problem: page.Problem.Headline, Data: page})
}

// handleUIRulesTest runs the pasted mail of the test box through the rules
// in force and shows the decision and the trace, saving nothing.
func (h *Handlers) handleUIRulesTest(w http.ResponseWriter, r *http.Request) {
	if !h.rulesConfigured(w, r) {
		return
	}
	page := &rulesPage{EML: r.PostForm.Get("eml"), Mailbox: r.PostForm.Get("mailbox")}
	res, err := h.testRules(r.Context(), page.EML, page.Mailbox, nil)
	if err != nil {
		status, ok := h.formStatus(w, r, err)
		if !ok {
			return
		}
		page.Problem = explain(err, "The test did not run: ")
		h.showRules(w, r, status, page)
		return
	}
	page.Test = res
	h.showRules(w, r, http.StatusOK, page)
}

// changeOneRule answers a rules-page button that changes rule {index}: back
// to the rules page with a notice, or the page again with why nothing was
// saved.
func (h *Handlers) changeOneRule(w http.ResponseWriter, r *http.Request,
	change func(rules []routing.Rule, i int) ([]routing.Rule, error)) {
	if !h.rulesConfigured(w, r) {
		return
	}
	n, err := h.applyToRule(r, change)
	if err != nil {
		if status, ok := h.formStatus(w, r, err); ok {
			h.showRules(w, r, status, &rulesPage{Problem: explain(err, "Nothing was saved: ")})
		}
		return
	}
	h.seeOther(w, r, "/rules", fmt.Sprintf("Rules saved as version %d", n))
}

// applyToRule applies change to rule {index} of the rule set the form was
// based on (form field "base", its version) and stores the result as the
// next version, whose number it returns.
func (h *Handlers) applyToRule(r *http.Request, change func(rules []routing.Rule, i int) ([]routing.Rule, error)) (int, error) {
	i, err := pathIndex(r)
	if err != nil {
		return 0, err
	}
	base, err := formInt(r, "base", 0)
	if err != nil {
		return 0, err
	}
	cur, err := h.currentRules(r.Context())
	if err != nil {
		return 0, err
	}
	return h.changeRules(r.Context(), cur, base, auth.Caller(r).Name, func(rules []routing.Rule) ([]routing.Rule, error) {
		if i >= len(rules) {
			return nil, fmt.Errorf("rule %d: %w", i, fault.ErrNotFound)
		}
		return change(rules, i)
	})
}

// handleUIRuleMove moves a rule one place up or down (form field "dir").
func (h *Handlers) handleUIRuleMove(w http.ResponseWriter, r *http.Request) {
	h.changeOneRule(w, r, func(rules []routing.Rule, i int) ([]routing.Rule, error) {
		var j int
		switch dir := r.PostForm.Get("dir"); dir {
		case "up":
			j = i - 1
		case "down":
			j = i + 1
		default:
			return nil, fmt.Errorf("%w: dir %q must be up or down", fault.ErrInvalid, dir)
		}
		if j < 0 || j >= len(rules) {
			return nil, fmt.Errorf("%w: rule %q cannot move further", fault.ErrInvalid, rules[i].Name)
		}
		rules[i], rules[j] = rules[j], rules[i]
		return rules, nil
	})
}

// handleUIRuleEnabled switches a rule on or off (form field "enabled":
// true or false).
func (h *Handlers) handleUIRuleEnabled(w http.ResponseWriter, r *http.Request) {
	h.changeOneRule(w, r, func(rules []routing.Rule, i int) ([]routing.Rule, error) {
		on, err := strconv.ParseBool(r.PostForm.Get("enabled"))
		if err != nil {
			return nil, fmt.Errorf("%w: enabled %q must be true or false", fault.ErrInvalid, r.PostForm.Get("enabled"))
		}
		rules[i].Enabled = &on
		return rules, nil
	})
}

// handleUIRuleDelete deletes a rule.
func (h *Handlers) handleUIRuleDelete(w http.ResponseWriter, r *http.Request) {
	h.changeOneRule(w, r, func(rules []routing.Rule, i int) ([]routing.Rule, error) {
		return slices.Delete(rules, i, i+1), nil
	})
}

// historyEntry is one stored version of the rules as RuleSets.History
// answers it.
type historyEntry struct {
	Version int             `json:"version"`
	Rules   json.RawMessage `json:"rules"`
	At      time.Time       `json:"at"`
	By      string          `json:"by"`
	Note    string          `json:"note"`
}

// historyPage is the history page's data: the versions newest first and,
// when one is asked for, its rules.
type historyPage struct {
	Versions []historyEntry
	Current  int // the version in force: the newest
	View     *historyEntry
	ViewJSON string // View's rules, pretty-printed
}

// historyKeep is how many versions the history page lists (the rule store
// keeps 100).
const historyKeep = 100

// handleUIRulesHistory lists the stored versions of the rules; with
// ?version=N it also shows that version's rules as JSON.
func (h *Handlers) handleUIRulesHistory(w http.ResponseWriter, r *http.Request) {
	if !h.rulesConfigured(w, r) {
		return
	}
	h.showHistory(w, r, http.StatusOK, r.URL.Query().Get("version"), "")
}

// showHistory renders the history page, viewing version view ("" for
// none).
func (h *Handlers) showHistory(w http.ResponseWriter, r *http.Request, status int, view, problem string) {
	v, err := h.Rules.History(r.Context(), historyKeep)
	if err != nil {
		h.uiError(w, r, fmt.Errorf("read the rules' history: %w", err))
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		h.uiError(w, r, fmt.Errorf("read the rules' history: %w", err))
		return
	}
	page := &historyPage{}
	if err := json.Unmarshal(b, &page.Versions); err != nil {
		h.uiError(w, r, fmt.Errorf("read the rules' history: %w", err))
		return
	}
	slices.SortFunc(page.Versions, func(a, b historyEntry) int { return b.Version - a.Version })
	if len(page.Versions) > 0 {
		page.Current = page.Versions[0].Version
	}
	if view != "" {
		i := slices.IndexFunc(page.Versions, func(e historyEntry) bool { return fmt.Sprint(e.Version) == view })
		if i < 0 {
			h.renderError(w, r, http.StatusNotFound, fmt.Sprintf("Version %s of the rules is not kept.", view))
			return
		}
		page.View = &page.Versions[i]
		page.ViewJSON = prettyRules(page.View.Rules, page.View.Version)
	}
	h.render(w, r, status, "rules_history", &pageData{Title: "Rules history", Nav: "rules", Problem: problem, Data: page})
}

// prettyRules indents a stored version's rules for reading, with the
// version's number in it. The page escapes it; the JSON's own escapes of <,
// > and & are undone so that a rule named "Billing & invoices" reads so.
func prettyRules(raw json.RawMessage, version int) string {
	var rs routing.RuleSet
	if err := json.Unmarshal(raw, &rs); err == nil {
		rs.Version = version
		if b, err := json.MarshalIndent(rs, "", "  "); err == nil {
			return unescapeHTMLSafe(string(b))
		}
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		return string(raw)
	}
	return unescapeHTMLSafe(buf.String())
}

// unescapeHTMLSafe undoes encoding/json's \u003c, \u003e and \u0026
// escapes in JSON text, leaving every other escape (and an escaped
// backslash followed by "u003c") as it is.
func unescapeHTMLSafe(js string) string {
	var b strings.Builder
	for i := 0; i < len(js); i++ {
		if js[i] != '\\' || i+1 >= len(js) {
			b.WriteByte(js[i])
			continue
		}
		if js[i+1] == 'u' && i+6 <= len(js) {
			switch js[i+2 : i+6] {
			case "003c":
				b.WriteByte('<')
				i += 5
				continue
			case "003e":
				b.WriteByte('>')
				i += 5
				continue
			case "0026":
				b.WriteByte('&')
				i += 5
				continue
			}
		}
		b.WriteString(js[i : i+2])
		i++
	}
	return b.String()
}

// handleUIRulesRollback stores an old version's rules (form field
// "version") as the next version.
func (h *Handlers) handleUIRulesRollback(w http.ResponseWriter, r *http.Request) {
	if !h.rulesConfigured(w, r) {
		return
	}
	v, err := formInt(r, "version", 1)
	var n int
	if err == nil {
		n, err = h.Rules.Rollback(r.Context(), v, auth.Caller(r).Name)
		if err != nil {
			err = fmt.Errorf("roll back to version %d: %w", v, err)
		}
	}
	if err != nil {
		if status, ok := h.formStatus(w, r, err); ok {
			h.showHistory(w, r, status, "", "Nothing was saved: "+err.Error())
		}
		return
	}
	h.seeOther(w, r, "/rules", fmt.Sprintf("Version %d restored: rules saved as version %d", v, n))
}
