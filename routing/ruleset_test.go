package routing

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"frontdesk/ticket"
)

// interfaceExample is the rule set of interface.md, "Rule set JSON".
const interfaceExample = `{"version": 7,
 "rules": [
   {"name": "VIP customers", "enabled": true, "match": "all", "stop": true,
    "conditions": [{"field": "from_domain", "op": "in", "value": ["vip.example", "bigcorp.example"]}],
    "actions": [{"type": "set_queue", "value": "vip"}, {"type": "set_priority", "value": "high"}]},
   {"name": "Invoices", "enabled": true, "match": "any", "stop": true,
    "conditions": [{"field": "subject", "op": "contains", "value": "invoice"},
                   {"field": "body", "op": "matches", "value": "(?i)inv-\\d{6}"}],
    "actions": [{"type": "set_queue", "value": "billing"}, {"type": "add_tags", "value": ["invoice"]}]}
 ]}`

func TestInterfaceExample(t *testing.T) {
	rs, err := Parse([]byte(interfaceExample))
	if err != nil {
		t.Fatal(err)
	}
	c, err := Compile(rs, Known{Queues: []string{"vip", "billing"}})
	if err != nil {
		t.Fatal(err)
	}
	if c.Version() != 7 {
		t.Errorf("version %d, want 7", c.Version())
	}
	tests := []struct {
		in      Input
		queue   string
		prio    ticket.Priority
		tags    []string
		matched []string
	}{
		{Input{From: "boss@BigCorp.example", Subject: "Invoice"}, "vip", ticket.PriorityHigh, nil, []string{"VIP customers"}},
		{Input{From: "ann@example.org", Subject: "Your INVOICE for May"}, "billing", ticket.PriorityNormal, []string{"invoice"}, []string{"Invoices"}},
		{Input{From: "ann@example.org", Body: "see inv-123456"}, "billing", ticket.PriorityNormal, []string{"invoice"}, []string{"Invoices"}},
		{Input{From: "ann@example.org", Subject: "Hello", Body: "inv-12345"}, "support", ticket.PriorityNormal, nil, nil},
	}
	for _, tc := range tests {
		d, trace := c.Decide(tc.in, Decision{Queue: "support", Priority: ticket.PriorityNormal})
		if d.Queue != tc.queue || d.Priority != tc.prio || !slices.Equal(d.Tags, tc.tags) || !slices.Equal(d.Matched, tc.matched) {
			t.Errorf("%+v: decision %+v, want %s %s %v %v", tc.in, d, tc.queue, tc.prio, tc.tags, tc.matched)
		}
		if len(trace) == 0 {
			t.Error("empty trace")
		}
	}
}

func TestJSONRoundTrip(t *testing.T) {
	for _, doc := range []string{
		interfaceExample,
		`{"version":0,"rules":[]}`,
		`{"version":2,"rules":[{"name":"a","conditions":[],"actions":[]}]}`,
		`{"version":3,"rules":[{"name":"a","enabled":false,"stop":false,"conditions":[{"field":"caller","op":"starts_with","value":"+31","case_sensitive":true}],` +
			`"actions":[{"type":"assign","team":"t","strategy":"least_open"},{"type":"auto_ack","value":false},{"type":"auto_ack","value":true,"template":"Hi {{.Name}}"},{"type":"spam"},{"type":"assign","assignee":"ann"}]}]}`,
	} {
		rs, err := Parse([]byte(doc))
		if err != nil {
			t.Fatalf("Parse(%s): %v", doc, err)
		}
		got, err := json.Marshal(rs)
		if err != nil {
			t.Fatal(err)
		}
		var want bytes.Buffer
		if err := json.Compact(&want, []byte(doc)); err != nil {
			t.Fatal(err)
		}
		if string(got) != want.String() {
			t.Errorf("round trip\n got %s\nwant %s", got, want.String())
		}
		// And through the standard library's Unmarshal.
		var again RuleSet
		if err := json.Unmarshal(got, &again); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(&again, rs) {
			t.Errorf("json.Unmarshal gives %+v, Parse %+v", again, rs)
		}
	}
	// Lists are never null, even when built by hand.
	b, _ := json.Marshal(RuleSet{Rules: []Rule{{Name: "x"}}})
	if want := `{"version":0,"rules":[{"name":"x","conditions":[],"actions":[]}]}`; string(b) != want {
		t.Errorf("got %s, want %s", b, want)
	}
	// A compiled set gives back what it was given.
	rs, _ := Parse([]byte(interfaceExample))
	c, err := Compile(rs, Known{Queues: []string{"vip", "billing"}})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(c.Rules())
	var want bytes.Buffer
	_ = json.Compact(&want, []byte(interfaceExample))
	if string(got) != want.String() {
		t.Errorf("Rules()\n got %s\nwant %s", got, want.String())
	}
}

func TestParseYAML(t *testing.T) {
	const doc = `
rules:
  - name: Night calls
    match: all
    conditions:
      - {field: caller, op: equals, value: +15555550100}
      - {field: business_hours, op: not_equals, value: office}
    actions: &billing [{type: set_queue, value: billing}]
  - name: Tags
    stop: false
    conditions: []
    actions:
      - type: add_tags
        value: [2026, VIP]
`
	// Keys outside the format, even "x-" ones, are refused.
	_, err := Parse([]byte("x-billing: 1\n" + doc))
	if got := problemsOf(t, err); !slices.Equal(got, []string{"x-billing: unknown key"}) {
		t.Errorf("problems %q", got)
	}
	rs, err := Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	want := &RuleSet{Rules: []Rule{
		{Name: "Night calls", Match: "all", Conditions: []Condition{
			{Field: "caller", Op: "equals", Value: "+15555550100"},
			{Field: "business_hours", Op: "not_equals", Value: "office"},
		}, Actions: []Action{{Type: "set_queue", Value: "billing"}}},
		{Name: "Tags", Stop: ptr(false), Conditions: []Condition{}, Actions: []Action{{Type: "add_tags", Value: []any{"2026", "VIP"}}}},
	}}
	if !reflect.DeepEqual(rs, want) {
		t.Errorf("got %#v\nwant %#v", rs, want)
	}
	c := compile(t, rs)
	in := baseInput(t)
	in.Caller = "+15555550100"
	in.Now = amsterdam(t, 2026, 11, 27, 22, 0)
	d, _ := c.Decide(in, Decision{Queue: "support"})
	if d.Queue != "billing" {
		t.Errorf("queue %q, want billing", d.Queue)
	}

	// YAML written by yaml.Marshal reads back the same.
	out, err := yaml.Marshal(rs)
	if err != nil {
		t.Fatal(err)
	}
	again, err := Parse(out)
	if err != nil {
		t.Fatalf("Parse(%s): %v", out, err)
	}
	if !reflect.DeepEqual(again, rs) {
		t.Errorf("YAML round trip\n%s\ngives %#v", out, again)
	}
}

func TestParseYAMLMerge(t *testing.T) {
	rs, err := Parse([]byte(`
rules:
  - &base
    name: one
    conditions: [{field: channel, op: equals, value: sms}]
    actions: [{type: set_queue, value: phone}]
  - <<: *base
    name: two
`))
	if err != nil {
		t.Fatal(err)
	}
	if len(rs.Rules) != 2 || rs.Rules[1].Name != "two" || len(rs.Rules[1].Actions) != 1 {
		t.Errorf("rules %+v", rs.Rules)
	}
}

func TestParseRefuses(t *testing.T) {
	tests := []struct {
		doc  string
		want []string
	}{
		{``, []string{"empty rule set"}},
		{`{"rules": [{"name": "A", "conditions": [{"feild": "subject", "op": "contains", "value": "x"}]}]}`,
			[]string{`rules[0] "A": conditions[0].feild: unknown key`}},
		{`{"rules": [{"name": "A", "enabled": "yes", "stop": 1, "actions": {}}], "owner": "me"}`,
			[]string{`owner: unknown key`, `rules[0] "A": enabled: must be true or false`,
				`rules[0] "A": stop: must be true or false`, `rules[0] "A": actions: must be a list`}},
		{`{"version": "7", "rules": []}`, []string{`version: must be a whole number, 0 or more`}},
		{`{"version": 1.5, "rules": []}`, []string{`version: must be a whole number, 0 or more`}},
		{`{"rules": [{"name": 5, "actions": [{"type": "set_queue", "value": "x", "queue": "y"}]}]}`,
			[]string{`rules[0]: name: must be a string`, `rules[0]: actions[0].queue: unknown key`}},
		{`{"rules": [] } {}`, []string{`invalid JSON: data after the rule set`}},
		{`[1]`, []string{`must be an object`}},
		{"rules:\n  - name: A\n    stopp: true\n", []string{`rules[0] "A": stopp: unknown key`}},
		{"rules:\n  - name: A\n    name: B\n", []string{`line 3: duplicate key "name"`}},
	}
	for _, tc := range tests {
		_, err := Parse([]byte(tc.doc))
		if err == nil {
			t.Errorf("Parse(%s) succeeded", tc.doc)
			continue
		}
		if got := problemsOf(t, err); !slices.Equal(got, tc.want) {
			t.Errorf("Parse(%s):\n%s\nwant\n%s", tc.doc, strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
		}
	}
	var rs RuleSet
	if err := json.Unmarshal([]byte(`{"rules": [{"nme": "x"}]}`), &rs); err == nil || !strings.Contains(err.Error(), "nme: unknown key") {
		t.Errorf("json.Unmarshal: %v", err)
	}
}
