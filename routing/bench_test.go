package routing

import (
	"fmt"
	"slices"
	"testing"
)

// benchRules returns n rules over a mix of fields and operators, none of
// which matches baseInput except the one at index match.
func benchRules(n, match int) *RuleSet {
	rs := &RuleSet{}
	for i := range n {
		var conds []Condition
		switch i % 8 {
		case 0:
			conds = []Condition{{Field: "subject", Op: "contains", Value: fmt.Sprintf("order-%d", i)}}
		case 1:
			conds = []Condition{{Field: "from_domain", Op: "in", Value: []any{fmt.Sprintf("d%d.example", i), "other.example"}},
				{Field: "channel", Op: "equals", Value: "sms"}}
		case 2:
			conds = []Condition{{Field: "body", Op: "matches", Value: fmt.Sprintf(`ticket-%d\b`, i)}}
		case 3:
			conds = []Condition{{Field: "to", Op: "ends_with", Value: fmt.Sprintf("@team%d.example", i)}}
		case 4:
			conds = []Condition{{Field: "customer_tag", Op: "equals", Value: fmt.Sprintf("tag%d", i)},
				{Field: "business_hours", Op: "not_equals", Value: "office"}}
		case 5:
			conds = []Condition{{Field: "caller", Op: "starts_with", Value: fmt.Sprintf("+49%d", i)}}
		case 6:
			conds = []Condition{{Field: "attachment_type", Op: "equals", Value: "application/zip"},
				{Field: "subject", Op: "starts_with", Value: fmt.Sprintf("Größe %d", i)}}
		case 7:
			conds = []Condition{{Field: "kind", Op: "in", Value: []any{"bounce", "auto_reply"}},
				{Field: "has_attachment", Op: "equals", Value: false}}
		}
		r := Rule{Name: fmt.Sprintf("rule %d", i), Conditions: conds,
			Actions: []Action{{Type: "set_queue", Value: "billing"}, {Type: "add_tags", Value: []any{"x"}}}}
		if i%5 == 0 {
			r.Match = "any"
		}
		if i == match {
			r.Conditions = []Condition{{Field: "body", Op: "contains", Value: "inv-123456"},
				{Field: "from_domain", Op: "equals", Value: "vip.example"}}
		}
		rs.Rules = append(rs.Rules, r)
	}
	return rs
}

func BenchmarkDecide1000Rules(b *testing.B) {
	c := compile(b, benchRules(1000, 990))
	in := baseInput(b)
	d, trace := c.Decide(in, Decision{Queue: "support"})
	if len(d.Matched) != 1 || d.Matched[0] != "rule 990" || len(trace) != 991 {
		b.Fatalf("matched %v after %d rules", d.Matched, len(trace))
	}
	b.ReportAllocs()
	for b.Loop() {
		c.Decide(in, Decision{Queue: "support"})
	}
}

// BenchmarkRoute1000Rules is the path new tickets take: no trace.
func BenchmarkRoute1000Rules(b *testing.B) {
	c := compile(b, benchRules(1000, 990))
	in := baseInput(b)
	want, _ := c.Decide(in, Decision{Queue: "support"})
	if got := c.Route(in, Decision{Queue: "support"}); !slices.Equal(got.Matched, want.Matched) || got.Queue != want.Queue {
		b.Fatalf("Route = %+v, Decide = %+v", got, want)
	}
	b.ReportAllocs()
	for b.Loop() {
		c.Route(in, Decision{Queue: "support"})
	}
}
