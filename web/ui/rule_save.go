package ui

import (
	"fmt"
	"net/http"
	"slices"

	"frontdesk/fault"
	"frontdesk/routing"
	"frontdesk/web/auth"
)

// handleUIRuleSubmit takes the rule editor's form. Button "do" says what to
// do with it: "save" (the default) stores the rule set with this rule
// replaced (or added) as the next version; "test" runs the pasted mail
// through that draft set without saving it; "more" shows the form again
// with more blank rows. A set that is not valid is shown again with the
// problems, 400; a form based on an older version, 409. Nothing is saved in
// either case.
func (h *Handlers) handleUIRuleSubmit(w http.ResponseWriter, r *http.Request) {
	if !h.rulesConfigured(w, r) {
		return
	}
	isNew := r.PathValue("index") == ""
	i := 0
	if !isNew {
		var err error
		if i, err = pathIndex(r); err != nil {
			h.uiError(w, r, err)
			return
		}
	}
	base, err := formInt(r, "base", 0)
	if err != nil {
		h.uiError(w, r, err)
		return
	}
	cur, err := h.currentRules(r.Context())
	if err != nil {
		h.uiError(w, r, err)
		return
	}
	if isNew {
		i = len(cur.Rules)
	}
	var orig *routing.Rule
	if !isNew && base == cur.Version && i < len(cur.Rules) {
		orig = &cur.Rules[i]
	}
	f, rule := parseRuleForm(r.PostForm, orig)
	f.New, f.Index, f.Base = isNew, i, base

	// with returns cur's rules with this rule in its place.
	with := func(rules []routing.Rule) ([]routing.Rule, error) {
		switch {
		case isNew:
			return append(rules, rule), nil
		case i < len(rules):
			rules[i] = rule
			return rules, nil
		default:
			return nil, fmt.Errorf("rule %d of version %d: %w", i, cur.Version, fault.ErrNotFound)
		}
	}

	switch r.PostForm.Get("do") {
	case "more":
		f.addEmptyRows(emptyRows) // showRuleForm adds its own as well
		h.showRuleForm(w, r, http.StatusOK, f)
	case "test":
		// A draft is this rule in its place among the rules the form was
		// read with; among others it would be another rule's place.
		var err error
		var rules []routing.Rule
		if base != cur.Version {
			err = &staleRulesError{base: base, current: cur.Version}
		} else {
			rules, err = with(slices.Clone(cur.Rules))
		}
		if err == nil {
			f.Test, err = h.testRules(r.Context(), f.EML, f.Mailbox, &routing.RuleSet{Rules: rules})
		}
		if err != nil {
			h.ruleFormProblem(w, r, f, err, "The draft was not tested: ")
			return
		}
		h.showRuleForm(w, r, http.StatusOK, f)
	default:
		n, err := h.changeRules(r.Context(), cur, base, auth.Caller(r).Name, with)
		if err != nil {
			h.ruleFormProblem(w, r, f, err, "Nothing was saved: ")
			return
		}
		h.seeOther(w, r, "/rules", fmt.Sprintf("Rules saved as version %d", n))
	}
}

// ruleFormProblem shows the rule editor again, as submitted, with why the
// form was refused (the headline starting with prefix) and the status that
// calls for; a failure that is not the form's gets the error page.
func (h *Handlers) ruleFormProblem(w http.ResponseWriter, r *http.Request, f *ruleForm, err error, prefix string) {
	if status, ok := h.formStatus(w, r, err); ok {
		f.setProblems(explain(err, prefix))
		h.showRuleForm(w, r, status, f)
	}
}
