package ui

import (
	"encoding/csv"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"frontdesk/internal/words"
	"frontdesk/routing"
)

// The choices the rule editor offers. They mirror package routing's tables,
// which it does not export; routing alone decides what is valid, and a name
// missing here that a stored rule uses is still offered on that rule's form.
var (
	ruleFields = []string{"channel", "mailbox", "to", "cc", "from", "from_domain", "subject", "body",
		"has_attachment", "attachment_type", "caller", "called", "kind", "customer_tag", "priority", "business_hours"}
	ruleOps = []string{"equals", "not_equals", "contains", "not_contains", "starts_with", "ends_with",
		"matches", "not_matches", "in", "not_in"}
	ruleActionTypes  = []string{"set_queue", "set_priority", "add_tags", "assign", "set_sla", "auto_ack", "spam"}
	assignStrategies = []string{"round_robin", "least_open"}
)

// withChoice returns choices with cur in front when it is not one of them,
// so that a select shows the value a rule has even when it is unknown.
func withChoice(choices []string, cur string) []string {
	if slices.Contains(choices, cur) {
		return choices
	}
	return append([]string{cur}, choices...)
}

// valueText renders a condition's or action's value as the form shows it:
// lists comma-separated (an entry with a comma or a quote in double quotes, as
// listValue reads it back), booleans as true or false.
func valueText(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case bool:
		return strconv.FormatBool(v)
	case []string:
		parts := make([]string, len(v))
		for i, e := range v {
			parts[i] = listEntry(e)
		}
		return strings.Join(parts, ", ")
	case []any:
		parts := make([]string, len(v))
		for i, e := range v {
			parts[i] = listEntry(valueText(e))
		}
		return strings.Join(parts, ", ")
	default:
		return fmt.Sprint(v)
	}
}

// listEntry quotes a list entry that would not survive listValue as it is.
func listEntry(s string) string {
	if strings.ContainsAny(s, ",\"") {
		return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
	}
	return s
}

// listValue reads a comma-separated list, dropping empty entries. An entry
// that holds a comma is written in double quotes ("Smith, John"), a quote
// inside one doubled; a quote elsewhere is taken as it is, and a quote left
// open runs to the end.
func listValue(text string) []string {
	out := []string{}
	r := csv.NewReader(strings.NewReader(strings.ReplaceAll(text, "\n", " ")))
	r.LazyQuotes, r.TrimLeadingSpace = true, true
	fields, _ := r.Read() // with LazyQuotes only an empty text fails (io.EOF)
	for _, p := range fields {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// quotedValue renders a value for a sentence: text in quotes, lists in
// brackets.
func quotedValue(v any) string {
	switch x := v.(type) {
	case string:
		return `"` + x + `"`
	case []string, []any:
		return "[" + valueText(v) + "]"
	default:
		return valueText(v)
	}
}

// conditionSummary says what a condition tests, e.g.
// `subject contains "invoice"`.
func conditionSummary(c routing.Condition) string {
	s := c.Field + " " + strings.ReplaceAll(c.Op, "_", " ") + " " + quotedValue(c.Value)
	if c.CaseSensitive {
		s += " (case-sensitive)"
	}
	return s
}

// actionSummary says what an action does, e.g. "queue → billing".
func actionSummary(a routing.Action) string {
	v := valueText(a.Value)
	switch a.Type {
	case "set_queue":
		return "queue → " + v
	case "set_priority":
		return "priority → " + v
	case "add_tags":
		return "add tags: " + v
	case "assign":
		return "assign to " + assignmentText(&routing.Assignment{Assignee: a.Assignee, Team: a.Team, Strategy: a.Strategy})
	case "set_sla":
		return "first response within " + v
	case "auto_ack":
		s := "acknowledge automatically: " + yesNo(a.Value == true)
		if a.Template != "" {
			s += " (own template)"
		}
		return s
	case "spam":
		return "mark as spam"
	default:
		return strings.TrimSpace(a.Type + " " + v)
	}
}

// assignmentText says whom an assignment gives a ticket to: "ann", "team
// billing (round robin)".
func assignmentText(a *routing.Assignment) string {
	switch {
	case a == nil:
		return ""
	case a.Team != "":
		strategy := a.Strategy
		if strategy == "" {
			strategy = assignStrategies[0]
		}
		return "team " + a.Team + " (" + strings.ReplaceAll(strategy, "_", " ") + ")"
	default:
		return a.Assignee
	}
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// ruleView is one rule as the rules page lists it.
type ruleView struct {
	Index      int
	Number     int // as people count: from 1, as the trace and the problems number it
	Name       string
	Enabled    bool
	Any        bool // match any condition, not all
	Stop       bool
	Last       bool // the last rule: it cannot move down
	Conditions []string
	Actions    []string
}

// ruleViews summarises rules for the rules page.
func ruleViews(rules []routing.Rule) []ruleView {
	out := make([]ruleView, len(rules))
	for i, r := range rules {
		v := ruleView{Index: i, Number: i + 1, Name: r.Name, Enabled: r.IsEnabled(), Any: r.Match == "any", Stop: r.Stops(), Last: i == len(rules)-1}
		for _, c := range r.Conditions {
			v.Conditions = append(v.Conditions, conditionSummary(c))
		}
		for _, a := range r.Actions {
			v.Actions = append(v.Actions, actionSummary(a))
		}
		out[i] = v
	}
	return out
}

// testView is a rule test as the rules page and the rule editor show it:
// what the rules saw, what they decided and the trace.
type testView struct {
	Draft       bool // a draft rule set was tested, not the one in force
	Version     int
	MatchedRule string
	Matched     []string
	// The decision, in words.
	Queue, Priority, Assign, SLA, AutoAck, AckTemplate string
	Tags                                               []string
	Spam                                               bool
	// What the rules saw of the mail.
	Input    routing.Input
	Trace    []traceRuleView
	Warnings []string
}

// traceRuleView is one rule the test tried.
type traceRuleView struct {
	Number     int // the rule's number in the list, from 1
	Rule       string
	Enabled    bool
	Matched    bool
	Conditions []traceConditionView
}

// traceConditionView is one condition the test evaluated.
type traceConditionView struct {
	Field, Op, Value, Actual string
	Matched                  bool
}

// newTestView is what the page shows of a rule test.
func newTestView(res routing.TestResult, draft bool) *testView {
	d := res.Decision
	tv := &testView{Draft: draft, Version: res.Version, MatchedRule: res.MatchedRule, Matched: res.Matched,
		Queue: d.Queue, Priority: d.Priority, Tags: d.Tags, Assign: assignmentText(d.Assign),
		SLA: d.SLA, AckTemplate: d.AckTemplate, Spam: d.Spam, Input: res.Input, Warnings: res.Warnings}
	if sla, err := time.ParseDuration(tv.SLA); err == nil {
		tv.SLA = words.Duration(sla)
	} else if tv.SLA == "" {
		tv.SLA = "the queue's target"
	}
	tv.AutoAck = "the queue's setting"
	if d.AutoAck != nil {
		tv.AutoAck = yesNo(*d.AutoAck)
	}
	for _, tr := range res.Trace {
		rv := traceRuleView{Number: tr.Index + 1, Rule: tr.Rule, Enabled: tr.Enabled, Matched: tr.Matched}
		for _, c := range tr.Conditions {
			rv.Conditions = append(rv.Conditions, traceConditionView{Field: c.Field, Op: c.Op,
				Value: quotedValue(c.Value), Actual: c.Actual, Matched: c.Matched})
		}
		tv.Trace = append(tv.Trace, rv)
	}
	return tv
}
