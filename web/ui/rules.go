package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

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

// currentRules reads the rule set in force.
func (h *Handlers) currentRules(ctx context.Context) (*routing.RuleSet, error) {
	rs, err := h.Rules.Current(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the rules in force: %w", err)
	}
	return rs, nil
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
	return newTestView(res, draft != nil), nil
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
