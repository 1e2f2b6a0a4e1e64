package terms

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestOf(t *testing.T) {
	for _, c := range []struct {
		text string
		want []string
	}{
		{"Jörg's order #553 arrived BROKEN", []string{"jorg", "order", "553", "arrived", "broken"}},
		{"JÖRG jorg Jorg", []string{"jorg"}},
		{"Straße in Ærø, Łódź", []string{"strasse", "in", "aero", "lodz"}},
		{"ﬁnal café naïve", []string{"final", "cafe", "naive"}},
		{"a b c ab", []string{"ab"}},
		{"ann@example.org +1 (555) 555-0123", []string{"ann", "example", "org", "555", "0123"}},
		{strings.Repeat("x", 40) + " ok", []string{"ok"}},
	} {
		if got := Of(c.text); !reflect.DeepEqual(got, c.want) {
			t.Errorf("Of(%q) = %q, want %q", c.text, got, c.want)
		}
	}
}

func TestOfIsBounded(t *testing.T) {
	var b strings.Builder
	for i := range 3 * MaxPerText {
		b.WriteString("w")
		b.WriteString(strings.Repeat("q", i%7+1))
		b.WriteString(string(rune('a' + i%26)))
		b.WriteString(string(rune('a' + i/26%26)))
		b.WriteString(string(rune('a' + i/676%26)))
		b.WriteString(" ")
	}
	if n := len(Of(b.String())); n != MaxPerText {
		t.Errorf("Of of a long text gave %d terms, want the cap %d", n, MaxPerText)
	}
}

func TestParseQuery(t *testing.T) {
	for _, c := range []struct {
		q    string
		want Query
	}{
		{"Jörg bro", Query{Terms: []string{"jorg", "bro"}, Prefix: true}},
		{"Jörg broken ", Query{Terms: []string{"jorg", "broken"}}},
		{"order 553.", Query{Terms: []string{"order", "553"}}},
		{"order b", Query{Terms: []string{"order"}}},
		{"", Query{}},
		{"  ?! ", Query{}},
	} {
		if got := ParseQuery(c.q); !reflect.DeepEqual(got, c.want) {
			t.Errorf("ParseQuery(%q) = %+v, want %+v", c.q, got, c.want)
		}
	}
}

func TestSnippet(t *testing.T) {
	text := "Dear team,\n\nmy parcel from Jörg arrived today and it was broken. Please send another one soon, thanks."
	parts, matched := Snippet(text, ParseQuery("jorg bro"), 60)
	var b strings.Builder
	for _, p := range parts {
		if p.Mark {
			b.WriteString("[" + p.Text + "]")
		} else {
			b.WriteString(p.Text)
		}
	}
	want := "… parcel from [Jörg] arrived today and it was [broken]. …"
	if got := b.String(); got != want {
		t.Errorf("snippet = %q, want %q", got, want)
	}
	if !reflect.DeepEqual(matched, []string{"Jörg", "broken"}) {
		t.Errorf("matched = %q", matched)
	}
	if p, _ := Snippet(text, ParseQuery("refund"), 60); p != nil {
		t.Errorf("a text without the word gave a snippet %+v", p)
	}
}

func FuzzSnippet(f *testing.F) {
	f.Add("Jörg's parcel ﬁnal ß", "jorg fi")
	f.Fuzz(func(t *testing.T, text, q string) {
		parts, _ := Snippet(text, ParseQuery(q), 80)
		for _, p := range parts {
			if p.Mark && !strings.Contains(text, p.Text) {
				t.Fatalf("marked %q is not in the text", p.Text)
			}
		}
	})
}

// A long mail says its words many times; each is folded once, not built a
// transform for at every occurrence (a 25 MB letter in German took 3.8 s
// and 16 GB of garbage).
func TestOfFoldsARepeatedWordOnce(t *testing.T) {
	text := strings.Repeat("Grüße aus Köln, Straße ØRESUND. ", 2000)
	allocs := testing.AllocsPerRun(3, func() { Of(text) })
	if allocs > 100 {
		t.Fatalf("Of of %d bytes made %.0f allocations, want the words folded once", len(text), allocs)
	}
	if got := Of(text); !slices.Equal(got, []string{"grusse", "aus", "koln", "strasse", "oresund"}) {
		t.Fatalf("Of = %q", got)
	}
}

// BenchmarkOfLongMail is the hot path's cost for a 25 MB mail (intake's
// size cap): go test ./internal/terms/ -run X -bench OfLongMail -benchtime 3x
func BenchmarkOfLongMail(b *testing.B) {
	text := strings.Repeat("Grüße aus Köln, wir haben Ihre Bestellung erhalten und prüfen. ", 25<<20/64)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		Of(text)
	}
}
