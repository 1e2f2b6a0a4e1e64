package routing

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"frontdesk/ticket"
)

func TestConditions(t *testing.T) {
	list := func(s ...string) []any {
		out := make([]any, len(s))
		for i, e := range s {
			out[i] = e
		}
		return out
	}
	tests := []struct {
		field, op string
		value     any
		cs        bool
		mod       func(*Input)
		want      bool
	}{
		// channel: an enum, compared without regard to case.
		{"channel", "equals", "email", false, nil, true},
		{"channel", "equals", "EMAIL", false, nil, true},
		{"channel", "not_equals", "sms", false, nil, true},
		{"channel", "in", list("sms", "fax"), false, nil, false},
		{"channel", "not_in", list("sms"), false, nil, true},
		{"channel", "equals", "voice", false, func(in *Input) { in.Channel = ticket.ChannelVoice }, true},

		// mailbox: text, every operator.
		{"mailbox", "equals", "Support", false, nil, true},
		{"mailbox", "equals", "support", true, nil, true},
		{"mailbox", "equals", "Support", true, nil, false},
		{"mailbox", "not_equals", "support", false, nil, false},
		{"mailbox", "contains", "PORT", false, nil, true},
		{"mailbox", "not_contains", "x", false, nil, true},
		{"mailbox", "starts_with", "sup", false, nil, true},
		{"mailbox", "ends_with", "ort", false, nil, true},
		{"mailbox", "matches", "^SUP", false, nil, true},
		{"mailbox", "matches", "^SUP", true, nil, false},
		{"mailbox", "not_matches", "^x", false, nil, true},
		{"mailbox", "in", list("billing", "SUPPORT"), false, nil, true},
		{"mailbox", "not_in", list("support"), false, nil, false},
		{"mailbox", "equals", "", false, func(in *Input) { in.Mailbox = "" }, true},
		{"mailbox", "equals", "", false, nil, false},

		// to: a list; positive operators want any element, negative none.
		{"to", "equals", "support@example.com", false, nil, true}, // "Support <…>" read as the address
		{"to", "equals", "SALES@example.COM", false, nil, true},
		{"to", "not_equals", "support@example.com", false, nil, false},
		{"to", "not_equals", "billing@example.com", false, nil, true},
		{"to", "contains", "sales", false, nil, true},
		{"to", "not_contains", "sales", false, nil, false},
		{"to", "not_contains", "billing", false, nil, true},
		{"to", "starts_with", "SALES@", false, nil, true},
		{"to", "ends_with", "@example.com", false, nil, true},
		{"to", "matches", `^sales@`, false, nil, true},
		{"to", "not_matches", `^sales@`, false, nil, false},
		{"to", "in", list("x@y.example", "Sales@Example.com"), false, nil, true},
		{"to", "not_in", list("support@example.com"), false, nil, false},
		{"to", "not_in", list("x@y.example"), false, nil, true},

		// cc: an empty list matches no positive operator and every negative one.
		{"cc", "equals", "", false, nil, false},
		{"cc", "contains", "a", false, nil, false},
		{"cc", "not_contains", "a", false, nil, true},
		{"cc", "not_equals", "a@b.example", false, nil, true},
		{"cc", "not_in", list("a@b.example"), false, nil, true},
		{"cc", "in", list("boss@example.com"), false, func(in *Input) { in.Cc = []string{"Boss <BOSS@example.com>"} }, true},

		// from: the bare address, not the display name.
		{"from", "equals", "ann@vip.example", false, nil, true},
		{"from", "contains", "lee", false, nil, false},
		{"from", "ends_with", "@vip.example", false, nil, true},
		{"from", "equals", "ann@vip.example", true, nil, false},
		{"from", "equals", "", false, func(in *Input) { in.From = "" }, true},

		// from_domain.
		{"from_domain", "equals", "vip.example", false, nil, true},
		{"from_domain", "equals", "example", false, nil, false},
		{"from_domain", "in", list("bigcorp.example", "VIP.EXAMPLE"), false, nil, true},
		{"from_domain", "not_in", list("vip.example"), false, nil, false},
		{"from_domain", "ends_with", ".example", false, nil, true},
		{"from_domain", "matches", `^vip\.`, false, nil, true},
		{"from_domain", "equals", "", false, func(in *Input) { in.From = "" }, true},

		// subject: full Unicode case folding.
		{"subject", "contains", "GRÖSSE", false, nil, true}, // ß folds to ss
		{"subject", "contains", "Größe", true, nil, true},
		{"subject", "contains", "größe", true, nil, false},
		{"subject", "contains", "GRÖSSE", true, nil, false},
		{"subject", "starts_with", "grösse der", false, nil, true},
		{"subject", "ends_with", "553", false, nil, true},
		{"subject", "not_contains", "rechnung", false, nil, true},
		{"subject", "matches", `bestellung\s+\d+`, false, nil, true},
		{"subject", "matches", `bestellung\s+\d+`, true, nil, false},
		{"subject", "equals", "GRÖSSE DER BESTELLUNG 553", false, nil, true},
		{"subject", "equals", "", false, nil, false},
		{"subject", "equals", "", false, func(in *Input) { in.Subject = "" }, true},
		{"subject", "contains", "注文", false, func(in *Input) { in.Subject = "注文について" }, true},
		{"subject", "starts_with", "注文に", false, func(in *Input) { in.Subject = "注文について" }, true},
		{"subject", "equals", "注文について", true, func(in *Input) { in.Subject = "注文について" }, true},
		// "é" as one code point in the rule, decomposed in the mail.
		{"subject", "contains", "café", false, func(in *Input) { in.Subject = "Cafe\u0301 au lait" }, true},
		{"subject", "in", list("x", "grösse der bestellung 553"), false, nil, true},

		// body.
		{"body", "contains", "ça", false, nil, true},
		{"body", "contains", "ÇA", true, nil, true},
		{"body", "contains", "ça", true, nil, false},
		{"body", "contains", "請求書", false, nil, true},
		{"body", "matches", `inv-\d{6}`, false, nil, true},
		{"body", "matches", `inv-\d{6}`, true, nil, false},
		{"body", "not_matches", `inv-\d{6}`, false, nil, false},
		{"body", "contains", "x", false, func(in *Input) { in.Body = "" }, false},

		// has_attachment.
		{"has_attachment", "equals", true, false, nil, true},
		{"has_attachment", "equals", false, false, nil, false},
		{"has_attachment", "not_equals", true, false, nil, false},
		{"has_attachment", "equals", false, false, func(in *Input) { in.Attachments = nil }, true},

		// attachment_type: any attachment's type, parameters ignored.
		{"attachment_type", "equals", "image/jpeg", false, nil, true},
		{"attachment_type", "equals", "IMAGE/JPEG", false, nil, true},
		{"attachment_type", "starts_with", "image/", false, nil, true},
		{"attachment_type", "in", list("application/pdf"), false, nil, true},
		{"attachment_type", "not_in", list("application/zip"), false, nil, true},
		{"attachment_type", "not_in", list("application/pdf"), false, nil, false},
		{"attachment_type", "matches", `^application/`, false, nil, true},
		{"attachment_type", "contains", "image", false, func(in *Input) { in.Attachments = nil }, false},

		// caller and called: phone numbers, formatting ignored.
		{"caller", "equals", "+15555550100", false, nil, true},
		{"caller", "not_equals", "+15555550100", false, nil, false},
		{"caller", "starts_with", "+1555", false, nil, true},
		{"caller", "starts_with", "+1 555", false, nil, true},
		{"caller", "starts_with", "+44", false, nil, false},
		{"caller", "in", list("+15555550100", "+15555550101"), false, nil, true},
		{"caller", "contains", "555-0100", false, nil, true},
		{"caller", "matches", `^\+1555`, false, nil, true},
		{"called", "equals", "+15555550199", false, nil, true},
		{"called", "ends_with", "0199", false, nil, true},
		{"caller", "equals", "", false, func(in *Input) { in.Caller = "" }, true},

		// kind.
		{"kind", "equals", "normal", false, nil, true},
		{"kind", "in", list("auto_reply", "bounce"), false, nil, false},
		{"kind", "not_in", list("auto_reply", "bounce"), false, nil, true},
		{"kind", "equals", "voicemail", false, func(in *Input) { in.Kind = ticket.KindVoicemail }, true},

		// customer_tag: any tag.
		{"customer_tag", "equals", "vip", false, nil, true},
		{"customer_tag", "equals", "VIP", true, nil, true},
		{"customer_tag", "equals", "vip", true, nil, false},
		{"customer_tag", "in", list("gold"), false, nil, true},
		{"customer_tag", "not_in", list("vip"), false, nil, false},
		{"customer_tag", "contains", "OL", false, nil, true},
		{"customer_tag", "not_equals", "vip", false, func(in *Input) { in.CustomerTags = nil }, true},

		// priority.
		{"priority", "equals", "normal", false, nil, true},
		{"priority", "in", list("high", "urgent"), false, nil, false},
		{"priority", "not_equals", "urgent", false, nil, true},

		// business_hours: inside the calendar's hours at Now.
		{"business_hours", "equals", "office", false, nil, true},
		{"business_hours", "not_equals", "office", false, nil, false},
		{"business_hours", "equals", "office", false, func(in *Input) { in.Now = amsterdam(t, 2026, 11, 27, 17, 0) }, false},
		{"business_hours", "not_equals", "office", false, func(in *Input) { in.Now = amsterdam(t, 2026, 11, 28, 10, 0) }, true},
		{"business_hours", "equals", "office", false, func(in *Input) { in.Now = amsterdam(t, 2026, 12, 25, 10, 0) }, false},
	}
	for _, tc := range tests {
		name := fmt.Sprintf("%s %s %v cs=%v", tc.field, tc.op, tc.value, tc.cs)
		if tc.mod != nil {
			name += " (modified input)"
		}
		t.Run(name, func(t *testing.T) {
			cond := Condition{Field: tc.field, Op: tc.op, Value: tc.value, CaseSensitive: tc.cs}
			c := compile(t, &RuleSet{Rules: []Rule{tagRule("r", cond)}})
			in := baseInput(t)
			if tc.mod != nil {
				tc.mod(&in)
			}
			d, trace := c.Decide(in, Decision{Queue: "support"})
			got := len(d.Matched) == 1
			if got != tc.want {
				t.Errorf("matched = %v, want %v (actual %q)", got, tc.want, trace[0].Conditions[0].Actual)
			}
			if len(trace) != 1 || trace[0].Matched != got || trace[0].Conditions[0].Matched != got {
				t.Errorf("trace %+v does not agree with the decision", trace)
			}
		})
	}
}

func TestMatchAllAny(t *testing.T) {
	yes := Condition{Field: "channel", Op: "equals", Value: "email"}
	no := Condition{Field: "channel", Op: "equals", Value: "sms"}
	tests := []struct {
		match  string
		conds  []Condition
		want   bool
		traced int // conditions evaluated until the outcome was known
	}{
		{"", []Condition{yes, yes}, true, 2},
		{"all", []Condition{yes, no, yes}, false, 2},
		{"all", []Condition{no, yes}, false, 1},
		{"any", []Condition{no, yes, no}, true, 2},
		{"any", []Condition{no, no}, false, 2},
		{"all", nil, true, 0}, // no conditions: always
		{"any", nil, true, 0},
	}
	for _, tc := range tests {
		r := tagRule("r", tc.conds...)
		r.Match = tc.match
		c := compile(t, &RuleSet{Rules: []Rule{r}})
		d, trace := c.Decide(baseInput(t), Decision{})
		if got := len(d.Matched) == 1; got != tc.want {
			t.Errorf("match %q over %d conditions = %v, want %v", tc.match, len(tc.conds), got, tc.want)
		}
		if len(trace[0].Conditions) != tc.traced {
			t.Errorf("match %q: trace has %d conditions, want %d", tc.match, len(trace[0].Conditions), tc.traced)
		}
	}
}

func TestStopAndOrder(t *testing.T) {
	email := Condition{Field: "channel", Op: "equals", Value: "email"}
	queue := func(name, q string, stop bool, more ...Action) Rule {
		return Rule{Name: name, Stop: ptr(stop), Conditions: []Condition{email},
			Actions: append([]Action{{Type: "set_queue", Value: q}}, more...)}
	}
	t.Run("first match wins", func(t *testing.T) {
		c := compile(t, &RuleSet{Rules: []Rule{queue("a", "vip", true), queue("b", "billing", true)}})
		d, trace := c.Decide(baseInput(t), Decision{Queue: "support"})
		if d.Queue != "vip" || !slices.Equal(d.Matched, []string{"a"}) || len(trace) != 1 {
			t.Errorf("queue %q matched %v, %d rules traced; want vip, [a], 1", d.Queue, d.Matched, len(trace))
		}
	})
	t.Run("stop is the default", func(t *testing.T) {
		r := queue("a", "vip", true)
		r.Stop = nil
		c := compile(t, &RuleSet{Rules: []Rule{r, queue("b", "billing", true)}})
		if d, _ := c.Decide(baseInput(t), Decision{}); d.Queue != "vip" {
			t.Errorf("queue %q, want vip", d.Queue)
		}
	})
	t.Run("no stop: later rules run and override", func(t *testing.T) {
		c := compile(t, &RuleSet{Rules: []Rule{
			queue("a", "vip", false, Action{Type: "add_tags", Value: []any{"VIP", "first"}},
				Action{Type: "set_priority", Value: "high"}),
			queue("b", "billing", false, Action{Type: "add_tags", Value: []any{"vip", "second"}}),
			queue("c", "spam", true, Action{Type: "set_priority", Value: "low"}),
			queue("d", "phone", true),
		}})
		d, trace := c.Decide(baseInput(t), Decision{Queue: "support", Tags: []string{"existing"}})
		if d.Queue != "spam" || d.Priority != ticket.PriorityLow {
			t.Errorf("queue %q priority %q, want spam low", d.Queue, d.Priority)
		}
		if want := []string{"existing", "vip", "first", "second"}; !slices.Equal(d.Tags, want) {
			t.Errorf("tags %v, want %v", d.Tags, want)
		}
		if want := []string{"a", "b", "c"}; !slices.Equal(d.Matched, want) || len(trace) != 3 {
			t.Errorf("matched %v with %d traced, want %v with 3", d.Matched, len(trace), want)
		}
	})
	t.Run("nothing matches: the defaults stand", func(t *testing.T) {
		c := compile(t, &RuleSet{Rules: []Rule{tagRule("r", Condition{Field: "channel", Op: "equals", Value: "fax"})}})
		start := Decision{Queue: "support", Priority: ticket.PriorityNormal, Tags: []string{"x"}}
		d, trace := c.Decide(baseInput(t), start)
		if d.Queue != "support" || d.Priority != ticket.PriorityNormal || !slices.Equal(d.Tags, []string{"x"}) || len(d.Matched) != 0 {
			t.Errorf("decision %+v, want the defaults", d)
		}
		if len(trace) != 1 || trace[0].Matched {
			t.Errorf("trace %+v", trace)
		}
	})
	t.Run("start is not modified", func(t *testing.T) {
		c := compile(t, &RuleSet{Rules: []Rule{tagRule("r")}})
		start := Decision{Tags: make([]string, 1, 10)}
		c.Decide(baseInput(t), start)
		if start.Tags[:2][1] != "" {
			t.Error("Decide appended to the caller's Tags")
		}
	})
}

func TestDisabledRules(t *testing.T) {
	c := compile(t, &RuleSet{Rules: []Rule{
		{Name: "off", Enabled: ptr(false), Actions: []Action{{Type: "set_queue", Value: "vip"}},
			Conditions: []Condition{{Field: "channel", Op: "equals", Value: "email"}}},
		{Name: "on", Enabled: ptr(true), Actions: []Action{{Type: "set_queue", Value: "billing"}}},
	}})
	d, trace := c.Decide(baseInput(t), Decision{Queue: "support"})
	if d.Queue != "billing" || !slices.Equal(d.Matched, []string{"on"}) {
		t.Errorf("queue %q matched %v, want billing [on]", d.Queue, d.Matched)
	}
	if len(trace) != 2 || trace[0].Enabled || trace[0].Matched || len(trace[0].Conditions) != 0 || !trace[1].Enabled {
		t.Errorf("trace %+v: want the disabled rule shown as skipped", trace)
	}
}

func TestActions(t *testing.T) {
	c := compile(t, &RuleSet{Rules: []Rule{
		{Name: "first", Stop: ptr(false), Actions: []Action{
			{Type: "assign", Team: "billing-team"},
			{Type: "auto_ack", Value: true, Template: "Hello {{.Customer.Name}}"},
			{Type: "set_sla", Value: "4h"},
		}},
		{Name: "second", Actions: []Action{
			{Type: "assign", Assignee: "ann"},
			{Type: "auto_ack", Value: false},
			{Type: "set_sla", Value: "90m"},
			{Type: "spam"},
		}},
	}})
	d, _ := c.Decide(baseInput(t), Decision{})
	if d.Assign == nil || *d.Assign != (Assignment{Assignee: "ann"}) {
		t.Errorf("assign %+v, want ann", d.Assign)
	}
	if d.AutoAck == nil || *d.AutoAck || d.AckTemplate != "" {
		t.Errorf("auto_ack %v %q, want false without template", d.AutoAck, d.AckTemplate)
	}
	if d.SLA != 90*time.Minute || !d.Spam {
		t.Errorf("sla %v spam %v", d.SLA, d.Spam)
	}

	c = compile(t, &RuleSet{Rules: []Rule{{Name: "team", Actions: []Action{
		{Type: "assign", Team: "billing-team", Strategy: "least_open"},
		{Type: "auto_ack", Value: true, Template: "Hi"},
	}}}})
	d, _ = c.Decide(baseInput(t), Decision{})
	if d.Assign == nil || *d.Assign != (Assignment{Team: "billing-team", Strategy: "least_open"}) {
		t.Errorf("assign %+v", d.Assign)
	}
	if d.AutoAck == nil || !*d.AutoAck || d.AckTemplate != "Hi" {
		t.Errorf("auto_ack %v %q", d.AutoAck, d.AckTemplate)
	}
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"auto_ack":true`) || strings.Contains(string(b), `"sla"`) {
		t.Errorf("decision JSON %s", b)
	}
}

func TestTraceActual(t *testing.T) {
	r := tagRule("r",
		Condition{Field: "body", Op: "contains", Value: "nothing"},
		Condition{Field: "to", Op: "equals", Value: "x@y.example"},
		Condition{Field: "has_attachment", Op: "equals", Value: false},
		Condition{Field: "business_hours", Op: "not_equals", Value: "office"},
	)
	r.Match = "any"
	c := compile(t, &RuleSet{Rules: []Rule{r}})
	in := baseInput(t)
	in.Body = strings.Repeat("é", 300)
	_, trace := c.Decide(in, Decision{})
	conds := trace[0].Conditions
	if want := strings.Repeat("é", 200) + "…"; conds[0].Actual != want {
		t.Errorf("body actual %q, want 200 characters and …", conds[0].Actual)
	}
	if conds[1].Actual != "Support <support@example.com>, sales@example.com" {
		t.Errorf("to actual %q", conds[1].Actual)
	}
	if conds[3].Actual != "Fri 2026-11-27 10:00 CET (open)" {
		t.Errorf("business_hours actual %q", conds[3].Actual)
	}
	if conds[2].Actual != "true" || conds[0].Value != "nothing" || conds[0].Op != "contains" {
		t.Errorf("trace %+v", conds)
	}
}

func TestDecideConcurrently(t *testing.T) {
	c := compile(t, &RuleSet{Rules: []Rule{
		tagRule("a", Condition{Field: "subject", Op: "contains", Value: "größe"}),
		tagRule("b", Condition{Field: "body", Op: "matches", Value: `inv-\d+`}),
	}})
	in := baseInput(t)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				if d, _ := c.Decide(in, Decision{}); !slices.Equal(d.Matched, []string{"a"}) {
					t.Errorf("matched %v", d.Matched)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestRulesIsACopy(t *testing.T) {
	rs := &RuleSet{Version: 3, Rules: []Rule{tagRule("r", Condition{Field: "to", Op: "in", Value: []any{"a@b.example"}})}}
	c := compile(t, rs)
	rs.Rules[0].Name = "changed"
	got := c.Rules()
	got.Rules[0].Conditions[0].Value.([]any)[0] = "changed"
	again := c.Rules()
	if again.Rules[0].Name != "r" || again.Rules[0].Conditions[0].Value.([]any)[0] != "a@b.example" || c.Version() != 3 {
		t.Errorf("Rules() = %+v: the compiled set changed", again)
	}
	c.SetVersion(4)
	if c.Version() != 4 || c.Rules().Version != 4 {
		t.Errorf("SetVersion(4): version %d", c.Version())
	}
}
