package ui

import (
	"slices"
	"testing"
)

func TestListValue(t *testing.T) {
	for _, tc := range []struct {
		text string
		want []string
	}{
		{"", []string{}},
		{" , ,", []string{}},
		{"a@example.org, b@example.org,c", []string{"a@example.org", "b@example.org", "c"}},
		{`"Smith, John", vip`, []string{"Smith, John", "vip"}},
		{`"say ""hi""", x`, []string{`say "hi"`, "x"}},
		{`inv-"123", y`, []string{`inv-"123"`, "y"}}, // a quote inside an entry is kept
		{"a,\nb", []string{"a", "b"}},                // a pasted line break is a space
		{`"unclosed, z`, []string{"unclosed, z"}},    // a quote left open runs to the end
	} {
		if got := listValue(tc.text); !slices.Equal(got, tc.want) {
			t.Errorf("listValue(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
}

// A list shown in the form and saved unchanged is the same list, commas and
// quotes included.
func TestListValueReadsWhatValueTextWrites(t *testing.T) {
	for _, list := range [][]string{
		{"Smith, John", "vip"},
		{`say "hi"`, "plain", "a,b,c"},
		{"one"},
	} {
		if got := listValue(valueText(list)); !slices.Equal(got, list) {
			t.Errorf("[]string %q: form shows %q, reads back %q", list, valueText(list), got)
		}
		anys := make([]any, len(list))
		for i, e := range list {
			anys[i] = e
		}
		if got := listValue(valueText(anys)); !slices.Equal(got, list) {
			t.Errorf("[]any %q: form shows %q, reads back %q", list, valueText(anys), got)
		}
	}
}
