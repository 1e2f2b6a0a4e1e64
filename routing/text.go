package routing

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// Text is compared in Unicode normalisation form C, so that "é" written as
// one code point and as "e" plus a combining accent are the same, and,
// unless a condition is case-sensitive, after full Unicode case folding
// (golang.org/x/text/cases), under which "GRÖSSE" equals "größe" and "ÇA"
// equals "ça". Regular expressions see the NFC text unfolded, with RE2's
// (?i) for case-insensitivity.

// nfc returns s in normalisation form C.
func nfc(s string) string {
	if isASCII(s) || norm.NFC.IsNormalString(s) {
		return s
	}
	return norm.NFC.String(s)
}

// folder case-folds text. It is not safe for concurrent use; each Decide
// and Compile has its own.
type folder struct {
	caser *cases.Caser
}

// fold returns s, already in NFC, case-folded and in NFC again.
func (f *folder) fold(s string) string {
	if isASCII(s) {
		return strings.ToLower(s)
	}
	if f.caser == nil {
		c := cases.Fold()
		f.caser = &c
	}
	return nfc(f.caser.String(s))
}

// isASCII reports whether s is all ASCII.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// phoneDigits drops the formatting people put in phone numbers: spaces,
// dashes, dots and parentheses. "+1 (555) 555-0100" becomes "+15555550100".
func phoneDigits(s string) string {
	if !strings.ContainsAny(s, " -.()\t") {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch r {
		case ' ', '-', '.', '(', ')', '\t':
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// address returns the bare address of "Name <addr>" or "addr".
func address(s string) string {
	if i := strings.LastIndexByte(s, '<'); i >= 0 {
		rest := s[i+1:]
		if j := strings.IndexByte(rest, '>'); j >= 0 {
			return strings.TrimSpace(rest[:j])
		}
	}
	return strings.TrimSpace(s)
}

// domain returns the domain of an address, without a trailing dot.
func domain(addr string) string {
	i := strings.LastIndexByte(addr, '@')
	if i < 0 {
		return ""
	}
	return strings.TrimSuffix(addr[i+1:], ".")
}

// mediaType returns a content type without its parameters:
// "image/jpeg; name=a.jpg" becomes "image/jpeg".
func mediaType(s string) string {
	if i := strings.IndexByte(s, ';'); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSpace(s)
}

// maxActual is how many characters of an input value a trace shows.
const maxActual = 200

// shorten cuts s to maxActual characters, marking the cut with "…".
func shorten(s string) string {
	if len(s) <= maxActual {
		return s
	}
	n := 0
	for i := range s {
		if n == maxActual {
			return s[:i] + "…"
		}
		n++
	}
	return s
}
