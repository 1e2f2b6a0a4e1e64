package mailparse

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/jhillyerd/enmime/v2"
)

// nestedMail builds a mail whose multiparts nest depth levels deep: level i
// (1 to depth) is a multipart/mixed with boundary "bI" holding a text part
// "level I." and level i+1; the deepest holds only its text part. With
// closed false no boundary is ever closed, as in a truncated mail.
func nestedMail(depth int, closed bool) []byte {
	var b strings.Builder
	b.WriteString("From: Mallory <mallory@example.org>\r\nTo: support@example.com\r\n" +
		"Subject: nested\r\nMessage-ID: <nested@example.org>\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n")
	for i := 1; i <= depth; i++ {
		fmt.Fprintf(&b, "--b%d\r\nContent-Type: text/plain\r\n\r\nlevel %d.\r\n", i, i)
		if i < depth {
			fmt.Fprintf(&b, "--b%d\r\nContent-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n", i, i+1)
		}
	}
	if closed {
		for i := depth; i >= 1; i-- {
			fmt.Fprintf(&b, "--b%d--\r\n", i)
		}
	}
	return []byte(b.String())
}

// manyPartsMail builds a multipart/mixed mail of n parts: a text part
// "hello", then attachments part-1.txt … part-(n-1).txt.
func manyPartsMail(n int) []byte {
	var b strings.Builder
	b.WriteString("From: Mallory <mallory@example.org>\r\nTo: support@example.com\r\n" +
		"Subject: many parts\r\nMessage-ID: <many@example.org>\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=\"x\"\r\n\r\n" +
		"--x\r\nContent-Type: text/plain\r\n\r\nhello\r\n")
	for i := 1; i < n; i++ {
		fmt.Fprintf(&b, "--x\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=\"part-%d.txt\"\r\n\r\n%d\r\n", i, i)
	}
	b.WriteString("--x--\r\n")
	return []byte(b.String())
}

// deepMail builds a mail of about size bytes: multiparts nested depth levels
// deep, the deepest holding a base64 attachment that fills the rest.
func deepMail(depth, size int) []byte {
	var b strings.Builder
	b.WriteString("From: a@example.org\r\nSubject: deep\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n")
	for i := 1; i < depth; i++ {
		fmt.Fprintf(&b, "--b%d\r\nContent-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n", i, i+1)
	}
	fmt.Fprintf(&b, "--b%d\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"data.bin\"\r\n"+
		"Content-Transfer-Encoding: base64\r\n\r\n", depth)
	line := strings.Repeat("QUJD", 19) + "\r\n"
	for b.Len() < size-depth*10 {
		b.WriteString(line)
	}
	for i := depth; i >= 1; i-- {
		fmt.Fprintf(&b, "--b%d--\r\n", i)
	}
	return []byte(b.String())
}

var depthWarning = fmt.Sprintf("the mail nests parts deeper than %d levels; the deeper parts were not read", MaxDepth)

func TestNestingLimit(t *testing.T) {
	for _, tc := range []struct {
		depth       int
		closed      bool
		wantWarning bool
	}{
		{MaxDepth, true, false},
		{MaxDepth, false, false},
		{MaxDepth + 1, true, true},
		{5000, true, true},
		{5000, false, true},
	} {
		t.Run(fmt.Sprintf("%d levels closed %v", tc.depth, tc.closed), func(t *testing.T) {
			m, err := Parse(nestedMail(tc.depth, tc.closed), nil)
			if err != nil {
				t.Fatal(err)
			}
			// The text parts of the levels read are kept.
			for _, want := range []string{"level 1.", fmt.Sprintf("level %d.", MaxDepth)} {
				if !strings.Contains(m.Text, want) {
					t.Errorf("text lacks %q: %.200q", want, m.Text)
				}
			}
			if bad := fmt.Sprintf("level %d.", MaxDepth+1); strings.Contains(m.Text, bad) {
				t.Errorf("text holds %q, from beyond the limit", bad)
			}
			if got := slices.Contains(m.Warnings, depthWarning); got != tc.wantWarning {
				t.Errorf("depth warning %v, want %v; warnings %q", got, tc.wantWarning, m.Warnings)
			}
			if m.Subject != "nested" || m.From.Address != "mallory@example.org" {
				t.Errorf("header read as subject %q from %q", m.Subject, m.From.Address)
			}
		})
	}
}

func TestPartsLimit(t *testing.T) {
	warning := fmt.Sprintf("the mail has more than %d parts; the parts after the first %d were not read", MaxParts, MaxParts)
	for _, tc := range []struct {
		parts       int
		wantWarning bool
	}{
		{MaxParts, false},
		{MaxParts + 1, true},
		{100_000, true},
	} {
		t.Run(fmt.Sprintf("%d parts", tc.parts), func(t *testing.T) {
			m, err := Parse(manyPartsMail(tc.parts), nil)
			if err != nil {
				t.Fatal(err)
			}
			if m.Text != "hello" {
				t.Errorf("text %q, want hello", m.Text)
			}
			if len(m.Attachments) != MaxParts-1 {
				t.Fatalf("%d attachments, want %d", len(m.Attachments), MaxParts-1)
			}
			last := m.Attachments[len(m.Attachments)-1]
			if want := fmt.Sprintf("part-%d.txt", MaxParts-1); last.Filename != want || string(last.Data) != fmt.Sprint(MaxParts-1) {
				t.Errorf("last attachment %s %q, want %s", last.Filename, last.Data, want)
			}
			if got := slices.Contains(m.Warnings, warning); got != tc.wantWarning {
				t.Errorf("parts warning %v, want %v; warnings %q", got, tc.wantWarning, m.Warnings)
			}
		})
	}
}

// TestLimitsBoundTheWork checks the structure of the work readParts does on
// hostile and large mails, not its time: the tree stays within MaxDepth and
// MaxParts, and enmime, which costs time quadratic in the nesting when it
// reads a whole multipart, is given every byte at most twice (a header with
// a boundary parameter, then its leaf), one part at a time.
func TestLimitsBoundTheWork(t *testing.T) {
	for name, raw := range map[string][]byte{
		"nested 5000 closed":   nestedMail(5000, true),
		"nested 5000 unclosed": nestedMail(5000, false),
		"100000 parts":         manyPartsMail(100_000),
		"2 MB 50 levels deep":  deepMail(MaxDepth, 2_000_000),
	} {
		t.Run(name, func(t *testing.T) {
			var w warnings
			root, stats, err := readParts(raw, &w)
			if err != nil {
				t.Fatal(err)
			}
			if stats.depth > MaxDepth || stats.parts > MaxParts {
				t.Errorf("read %d levels, %d parts; limits %d, %d", stats.depth, stats.parts, MaxDepth, MaxParts)
			}
			if stats.enmimeBytes > 2*len(raw) {
				t.Errorf("enmime was given %d bytes of a %d-byte mail", stats.enmimeBytes, len(raw))
			}
			depth, parts := 1, 0 // the root is a multipart
			var walk func(p *enmime.Part, level int)
			walk = func(p *enmime.Part, level int) {
				for ; p != nil; p = p.NextSibling {
					parts++
					if p.FirstChild != nil {
						depth = max(depth, level+1)
						walk(p.FirstChild, level+1)
					}
				}
			}
			walk(root.FirstChild, 1)
			if depth != stats.depth || parts != stats.parts {
				t.Errorf("tree has %d levels and %d parts; stats say %d and %d", depth, parts, stats.depth, stats.parts)
			}
		})
	}
}
