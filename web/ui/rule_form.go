package ui

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"frontdesk/routing"
)

// ruleForm is the rule editor's data: one rule as its form shows it. The
// condition and action rows are numbered from 0 in the rule's order, so that
// a problem routing names as "conditions[1].op" belongs to row 1.
type ruleForm struct {
	New   bool
	Index int // the rule's place in the set (for a new rule, after the last)
	Base  int // the version of the rules the form is based on
	Name  string
	// Enabled and Stop are the checkboxes; Match is all or any.
	Enabled, Stop bool
	Match         string
	Conditions    []conditionRow
	Actions       []actionRow
	// EML and Mailbox are the mail pasted to test the draft with.
	EML, Mailbox string
	Test         *testView
	Problem      formProblem
	// RuleProblems are the problems with this rule's own keys (name,
	// match…); row problems sit with their rows.
	RuleProblems []string
	// Teams are the configured teams, suggested for assign actions.
	Teams []string
}

// Action is where the form posts.
func (f *ruleForm) Action() string {
	if f.New {
		return "/rules/new"
	}
	return "/rules/" + strconv.Itoa(f.Index) + "/edit"
}

// conditionRow is one condition row of the form.
type conditionRow struct {
	N                int
	Field, Op, Value string
	CaseSensitive    bool
	Problems         []string
}

// FieldChoices are the fields the row's select offers.
func (c conditionRow) FieldChoices() []string { return withChoice(ruleFields, c.Field) }

// OpChoices are the operators the row's select offers.
func (c conditionRow) OpChoices() []string { return withChoice(ruleOps, c.Op) }

// actionRow is one action row of the form.
type actionRow struct {
	N                                               int
	Type, Value, Assignee, Team, Strategy, Template string
	Problems                                        []string
}

// TypeChoices are the action types the row's select offers.
func (a actionRow) TypeChoices() []string { return withChoice(ruleActionTypes, a.Type) }

// StrategyChoices are the team strategies the row's select offers ("" is
// the default, round robin).
func (a actionRow) StrategyChoices() []string {
	return withChoice(append([]string{""}, assignStrategies...), a.Strategy)
}

// emptyRows is how many blank rows of each kind the form offers for adding
// conditions and actions; "more rows" adds as many again.
const emptyRows = 2

// maxRows bounds the rows a form may submit.
const maxRows = 200

// addEmptyRows appends n blank condition and action rows.
func (f *ruleForm) addEmptyRows(n int) {
	for range n {
		f.Conditions = append(f.Conditions, conditionRow{N: len(f.Conditions)})
		f.Actions = append(f.Actions, actionRow{N: len(f.Actions)})
	}
}

// formOfRule returns the form showing rule i of version base.
func formOfRule(rule routing.Rule, i, base int) *ruleForm {
	f := &ruleForm{Index: i, Base: base, Name: rule.Name, Enabled: rule.IsEnabled(), Stop: rule.Stops(), Match: rule.Match}
	if f.Match == "" {
		f.Match = "all"
	}
	for j, c := range rule.Conditions {
		f.Conditions = append(f.Conditions, conditionRow{N: j, Field: c.Field, Op: c.Op, Value: valueText(c.Value), CaseSensitive: c.CaseSensitive})
	}
	for j, a := range rule.Actions {
		f.Actions = append(f.Actions, actionRow{N: j, Type: a.Type, Value: valueText(a.Value), Assignee: a.Assignee,
			Team: a.Team, Strategy: a.Strategy, Template: a.Template})
	}
	return f
}

// parseRuleForm reads the editor's fields: the form as submitted (rows
// marked for removal and rows left blank dropped, the others renumbered) and
// the rule it describes. Where orig (the rule as stored; nil for a new one)
// left enabled, stop or match to their defaults and the form keeps them,
// the rule does too, so that saving changes only what was edited.
func parseRuleForm(form url.Values, orig *routing.Rule) (*ruleForm, routing.Rule) {
	if orig == nil {
		orig = &routing.Rule{}
	}
	f := &ruleForm{
		Name:    strings.TrimSpace(form.Get("name")),
		Enabled: form.Get("enabled") != "",
		Stop:    form.Get("stop") != "",
		Match:   form.Get("match"),
		EML:     form.Get("eml"),
		Mailbox: form.Get("mailbox"),
	}
	rule := routing.Rule{Name: f.Name, Match: f.Match, Conditions: []routing.Condition{}, Actions: []routing.Action{}}
	if orig.Match == "" && f.Match == "all" {
		rule.Match = ""
	}
	rule.Enabled = keepDefault(orig.Enabled, f.Enabled)
	rule.Stop = keepDefault(orig.Stop, f.Stop)

	for n := range rowCount(form, "conds") {
		p := "c" + strconv.Itoa(n) + "."
		row := conditionRow{Field: strings.TrimSpace(form.Get(p + "field")), Op: form.Get(p + "op"),
			Value: form.Get(p + "value"), CaseSensitive: form.Get(p+"case") != ""}
		if form.Get(p+"remove") != "" || (row.Field == "" && row.Value == "") {
			continue
		}
		row.N = len(f.Conditions)
		f.Conditions = append(f.Conditions, row)
		rule.Conditions = append(rule.Conditions, routing.Condition{Field: row.Field, Op: row.Op,
			Value: conditionValue(row.Field, row.Op, row.Value), CaseSensitive: row.CaseSensitive})
	}
	for n := range rowCount(form, "acts") {
		p := "a" + strconv.Itoa(n) + "."
		row := actionRow{Type: form.Get(p + "type"), Value: form.Get(p + "value"),
			Assignee: strings.TrimSpace(form.Get(p + "assignee")), Team: strings.TrimSpace(form.Get(p + "team")),
			Strategy: form.Get(p + "strategy"), Template: form.Get(p + "template")}
		if form.Get(p+"remove") != "" || row.Type == "" {
			continue
		}
		row.N = len(f.Actions)
		f.Actions = append(f.Actions, row)
		rule.Actions = append(rule.Actions, routing.Action{Type: row.Type, Value: actionValue(row.Type, row.Value),
			Assignee: row.Assignee, Team: row.Team, Strategy: row.Strategy, Template: row.Template})
	}
	return f, rule
}

// rowCount reads how many rows of a kind the form had (field "conds" or
// "acts"), at most maxRows.
func rowCount(form url.Values, field string) int {
	n, err := strconv.Atoi(form.Get(field))
	if err != nil || n < 0 {
		return 0
	}
	return min(n, maxRows)
}

// keepDefault returns nil (the default, true) when orig was nil and v is
// true; else v.
func keepDefault(orig *bool, v bool) *bool {
	if orig == nil && v {
		return nil
	}
	return &v
}

// conditionValue is what a condition row's text means: a list for in and
// not_in, a bool for has_attachment, else the text itself. Anything routing
// will not take is passed on for it to name.
func conditionValue(field, op, text string) any {
	switch {
	case op == "in" || op == "not_in":
		return listValue(text)
	case field == "has_attachment":
		if b, err := strconv.ParseBool(strings.TrimSpace(text)); err == nil {
			return b
		}
	}
	return text
}

// actionValue is what an action row's value means for its type: a list of
// tags, auto_ack's bool, a queue, priority or duration; none for types that
// take no value unless one was typed (for routing to refuse).
func actionValue(typ, text string) any {
	text = strings.TrimSpace(text)
	switch typ {
	case "add_tags":
		return listValue(text)
	case "auto_ack":
		if b, err := strconv.ParseBool(text); err == nil {
			return b
		}
	case "set_queue", "set_priority", "set_sla":
		return text
	}
	if text == "" {
		return nil
	}
	return text
}

// setProblems files the problems of a refused rule set: those of rule
// f.Index with their rows or the rule, all of them in f.Problem.
func (f *ruleForm) setProblems(p formProblem) {
	f.Problem = p
	for _, pr := range p.Problems {
		if pr.Rule != f.Index {
			continue
		}
		var kind string
		var j int
		if n, _ := fmt.Sscanf(pr.Path, "conditions[%d]", &j); n == 1 {
			kind = "c"
		} else if n, _ := fmt.Sscanf(pr.Path, "actions[%d]", &j); n == 1 {
			kind = "a"
		}
		msg := pr.Path + ": " + ruleRefs.ReplaceAllStringFunc(pr.Message, ruleNumber)
		switch {
		case kind == "c" && j < len(f.Conditions):
			f.Conditions[j].Problems = append(f.Conditions[j].Problems, msg)
		case kind == "a" && j < len(f.Actions):
			f.Actions[j].Problems = append(f.Actions[j].Problems, msg)
		default:
			f.RuleProblems = append(f.RuleProblems, strings.TrimPrefix(msg, ": "))
		}
	}
}

// showRuleForm renders the rule editor.
func (h *Handlers) showRuleForm(w http.ResponseWriter, r *http.Request, status int, f *ruleForm) {
	f.addEmptyRows(emptyRows)
	if h.settings != nil {
		for _, t := range h.settings.Teams {
			f.Teams = append(f.Teams, t.Name)
		}
	}
	title := "Edit rule " + f.Name
	if f.New {
		title = "New rule"
	}
	h.render(w, r, status, "rule_edit", &pageData{Title: title, Nav: "rules", Problem: f.Problem.Headline, Data: f})
}
