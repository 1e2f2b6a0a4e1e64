package routing

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// problemsOf returns the lines of a *ValidationError.
func problemsOf(t *testing.T, err error) []string {
	t.Helper()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error %v (%T), want a *ValidationError", err, err)
	}
	return strings.Split(ve.Error(), "\n")
}

func TestCompileRefuses(t *testing.T) {
	cond := func(field, op string, value any) Rule {
		return tagRule("R", Condition{Field: field, Op: op, Value: value})
	}
	act := func(a Action) Rule {
		return Rule{Name: "R", Actions: []Action{a}}
	}
	tests := []struct {
		rule Rule
		want string
	}{
		{cond("sender", "equals", "x"), `rules[0] "R": conditions[0].field: unknown field "sender"`},
		{cond("", "equals", "x"), `rules[0] "R": conditions[0].field: required`},
		{cond("subject", "like", "x"), `rules[0] "R": conditions[0].op: unknown operator "like"`},
		{cond("subject", "", "x"), `rules[0] "R": conditions[0].op: required`},
		{cond("subject", "matches", "inv-(\\d"), `rules[0] "R": conditions[0].value: invalid regular expression: missing closing ): ` + "`inv-(\\d`"},
		{cond("subject", "contains", ""), `rules[0] "R": conditions[0].value: must not be empty for contains`},
		{cond("subject", "equals", []any{"a"}), `rules[0] "R": conditions[0].value: must be a string; use in or not_in for a list`},
		{cond("subject", "equals", 5.0), `rules[0] "R": conditions[0].value: must be a string`},
		{cond("subject", "in", "a"), `rules[0] "R": conditions[0].value: must be a list of strings for in`},
		{cond("subject", "in", []any{"a", 1.0}), `rules[0] "R": conditions[0].value: must be a list of strings for in`},
		{cond("subject", "not_in", []any{}), `rules[0] "R": conditions[0].value: must not be empty`},
		{cond("has_attachment", "matches", "x"), `rules[0] "R": conditions[0].op: matches does not apply to has_attachment: use equals or not_equals`},
		{cond("has_attachment", "equals", "true"), `rules[0] "R": conditions[0].value: must be true or false`},
		{cond("business_hours", "in", []any{"office"}), `rules[0] "R": conditions[0].op: in does not apply to business_hours: use equals or not_equals`},
		{cond("business_hours", "equals", "night"), `rules[0] "R": conditions[0].value: unknown calendar "night" (known: office)`},
		{cond("business_hours", "equals", true), `rules[0] "R": conditions[0].value: must be the name of a business_hours calendar`},
		{cond("channel", "contains", "mail"), `rules[0] "R": conditions[0].op: contains does not apply to channel: use equals, not_equals, in or not_in`},
		{cond("channel", "equals", "pigeon"), `rules[0] "R": conditions[0].value: unknown channel "pigeon": want email, voice, sms, fax`},
		{cond("priority", "in", []any{"high", "asap"}), `rules[0] "R": conditions[0].value[1]: unknown priority "asap": want low, normal, high, urgent`},
		{cond("kind", "equals", "spam"), `rules[0] "R": conditions[0].value: unknown kind "spam": want normal, auto_reply, bounce, voicemail, missed_call, sms, fax`},
		{tagRule("R", Condition{Field: "has_attachment", Op: "equals", Value: true, CaseSensitive: true}), `rules[0] "R": conditions[0].case_sensitive: only for text fields, not has_attachment`},

		{act(Action{Type: "set_queue", Value: "nowhere"}), `rules[0] "R": actions[0].value: unknown queue "nowhere" (known: support, vip, billing, phone, spam)`},
		{act(Action{Type: "set_queue"}), `rules[0] "R": actions[0].value: must be the name of a queue`},
		{act(Action{Type: "set_priority", Value: "asap"}), `rules[0] "R": actions[0].value: must be low, normal, high, urgent`},
		{act(Action{Type: "add_tags", Value: "vip"}), `rules[0] "R": actions[0].value: must be a list of tags`},
		{act(Action{Type: "add_tags", Value: []any{"ok", " "}}), `rules[0] "R": actions[0].value[1]: must not be empty`},
		{act(Action{Type: "assign", Team: "nobody"}), `rules[0] "R": actions[0].team: unknown team "nobody" (known: billing-team)`},
		{act(Action{Type: "assign", Team: "billing-team", Strategy: "random"}), `rules[0] "R": actions[0].strategy: must be round_robin or least_open`},
		{act(Action{Type: "assign", Assignee: "ann", Strategy: "least_open"}), `rules[0] "R": actions[0].strategy: only with a team`},
		{act(Action{Type: "assign", Assignee: "ann", Team: "billing-team"}), `rules[0] "R": actions[0]: assign takes an assignee or a team, not both`},
		{act(Action{Type: "assign"}), `rules[0] "R": actions[0]: assign needs an assignee or a team`},
		{act(Action{Type: "set_sla", Value: "4 hours"}), `rules[0] "R": actions[0].value: invalid duration "4 hours": want e.g. "4h" or "30m"`},
		{act(Action{Type: "set_sla", Value: "-1h"}), `rules[0] "R": actions[0].value: must be more than zero`},
		{act(Action{Type: "set_sla", Value: 4.0}), `rules[0] "R": actions[0].value: must be a duration such as "4h" or "30m"`},
		{act(Action{Type: "auto_ack", Value: "yes"}), `rules[0] "R": actions[0].value: must be true or false`},
		{act(Action{Type: "auto_ack", Value: true, Template: "Hi {{.Name"}), `rules[0] "R": actions[0].template: invalid template: 1: unclosed action`},
		{act(Action{Type: "spam", Value: true}), `rules[0] "R": actions[0].value: not used by spam`},
		{act(Action{Type: "set_queue", Value: "vip", Team: "billing-team"}), `rules[0] "R": actions[0].team: not used by set_queue`},
		{act(Action{Type: "delete"}), `rules[0] "R": actions[0].type: unknown action "delete"`},
		{act(Action{}), `rules[0] "R": actions[0].type: required`},

		{Rule{Name: "R", Match: "most"}, `rules[0] "R": match: must be all or any, not "most"`},
		{Rule{}, `rules[0]: name: required`},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			_, err := Compile(&RuleSet{Rules: []Rule{tc.rule}}, testKnown)
			if got := problemsOf(t, err); !slices.Equal(got, []string{tc.want}) {
				t.Errorf("problems\n%s\nwant\n%s", strings.Join(got, "\n"), tc.want)
			}
		})
	}
}

func TestCompileReportsEveryProblem(t *testing.T) {
	rs := &RuleSet{Rules: []Rule{
		tagRule("Fine", Condition{Field: "subject", Op: "contains", Value: "x"}),
		{Name: "Invoices", Conditions: []Condition{
			{Field: "subject", Op: "contains", Value: "invoice"},
			{Field: "body", Op: "like", Value: "inv"},
		}, Actions: []Action{{Type: "set_queue", Value: "billing"}}},
		{Name: "Urgent", Actions: []Action{{Type: "set_priority", Value: "now"}}},
		{Name: "Fine"},
	}}
	got := problemsOf(t, mustFail(Compile(rs, testKnown)))
	want := []string{
		`rules[1] "Invoices": conditions[1].op: unknown operator "like"`,
		`rules[2] "Urgent": actions[0].value: must be low, normal, high, urgent`,
		`rules[3] "Fine": name: also the name of rules[0]`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("problems\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var ve *ValidationError
	errors.As(mustFail(Compile(rs, testKnown)), &ve)
	if p := ve.Problems[0]; p.Rule != 1 || p.Name != "Invoices" || p.Path != "conditions[1].op" {
		t.Errorf("problem %+v", p)
	}
}

func TestCompileKnowsNothingByDefault(t *testing.T) {
	rs := &RuleSet{Rules: []Rule{{Name: "q", Actions: []Action{{Type: "set_queue", Value: "vip"}}}}}
	got := problemsOf(t, mustFail(Compile(rs, Known{})))
	if want := `rules[0] "q": actions[0].value: unknown queue "vip" (none configured)`; !slices.Equal(got, []string{want}) {
		t.Errorf("problems %q, want %q", got, want)
	}
	if _, err := Compile(nil, Known{}); err == nil {
		t.Error("Compile(nil) succeeded")
	}
	if c, err := Compile(&RuleSet{}, Known{}); err != nil || c.Version() != 0 {
		t.Errorf("empty rule set: %v", err)
	}
}

func mustFail(_ *Compiled, err error) error {
	if err == nil {
		return errors.New("Compile succeeded")
	}
	return err
}
