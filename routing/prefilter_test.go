package routing

import "testing"

func TestRequiredLiteral(t *testing.T) {
	tests := []struct {
		pattern string
		lit     string
		fold    bool
	}{
		{`(?i)inv-\d{6}`, "inv-", true},
		{`(?i)INVOICE|bill`, "", false},
		{`(?i)(a|b)cdef`, "cdef", true},
		{`(?i)x*abc(?:zz)?`, "abc", true},
		{`(?i)(?:order)+ nr`, "order", true},
		{`order \d+`, "order ", false},
		{`(?i)größe`, "", false}, // non-ASCII folding is left to the matcher
		{`(?i)a`, "", false},
	}
	for _, tc := range tests {
		lit, fold := requiredLiteral(tc.pattern)
		if lit != tc.lit || (lit != "" && fold != tc.fold) {
			t.Errorf("requiredLiteral(%q) = %q %v, want %q %v", tc.pattern, lit, fold, tc.lit, tc.fold)
		}
	}
}

// TestPrefilterKeepsMatches checks that text RE2's (?i) matches through
// the Kelvin sign and the long s still reaches the matcher.
func TestPrefilterKeepsMatches(t *testing.T) {
	for _, tc := range []struct{ pattern, text string }{
		{`kelvin \d`, "\u212Aelvin 5"},
		{`stop now`, "\u017Ftop NOW"},
		{`inv-\d{6}`, "INV-123456"},
	} {
		c := compile(t, &RuleSet{Rules: []Rule{tagRule("r", Condition{Field: "body", Op: "matches", Value: tc.pattern})}})
		if d, _ := c.Decide(Input{Body: tc.text}, Decision{}); len(d.Matched) != 1 {
			t.Errorf("%q does not match %q", tc.pattern, tc.text)
		}
	}
}
