package phone

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, c := range []struct {
		in, region, want string
	}{
		{"+1 (555) 555-0123", "NL", "+15555550123"},
		{"+15555550123", "", "+15555550123"},
		{"(555) 555-0123", "US", "+15555550123"},
		{"555.555.0123", "US", "+15555550123"},
		{"0555 5550123", "NL", "+315555550123"},
		{"020 555 0123", "NL", "+31205550123"},
		{"06-12345678", "NL", "+31612345678"},
		{"+31 6 12345678", "US", "+31612345678"},
		{"0031 20 555 0123", "NL", "+31205550123"},
		{"030 1234567", "DE", "+49301234567"},
	} {
		got, ok := Parse(c.in, c.region)
		if !ok || got != c.want {
			t.Errorf("Parse(%q, %q) = %q, %v; want %q", c.in, c.region, got, ok, c.want)
		}
	}
}

func TestParseRefuses(t *testing.T) {
	for _, in := range []string{
		"", "ann@example.org", "hello", "1042", "#1042", "12345", "555-0100",
		"+1 555 ABC 0123", strings.Repeat("1", 65), "+999 1234 5678",
	} {
		if got, ok := Parse(in, "US"); ok {
			t.Errorf("Parse(%q) = %q, want refused", in, got)
		}
	}
}

func TestRegionAndDisplay(t *testing.T) {
	if r := Region("+31205550123"); r != "NL" {
		t.Errorf("Region(+31205550123) = %q, want NL", r)
	}
	if r := Region("nonsense"); r != "" {
		t.Errorf("Region(nonsense) = %q, want empty", r)
	}
	if !ValidRegion("nl") || ValidRegion("XX") {
		t.Error("ValidRegion does not know NL from XX")
	}
	if got := Display("+31205550123", "NL"); got != "020 555 0123" {
		t.Errorf("Display in NL = %q", got)
	}
	if got := Display("+31205550123", "US"); got != "+31 20 555 0123" {
		t.Errorf("Display in US = %q", got)
	}
	if got := Display("+15555550123", "US"); got != "(555) 555-0123" {
		t.Errorf("Display in US = %q", got)
	}
}

func FuzzParse(f *testing.F) {
	f.Add("+1 (555) 555-0123", "US")
	f.Add("0555 5550123", "NL")
	f.Fuzz(func(t *testing.T, s, region string) {
		got, ok := Parse(s, region)
		if !ok {
			return
		}
		if again, ok := Parse(got, "ZZ"); !ok || again != got {
			t.Errorf("Parse(%q) = %q, which reads back as %q, %v", s, got, again, ok)
		}
	})
}
