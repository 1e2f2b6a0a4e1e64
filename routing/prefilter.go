package routing

import (
	"regexp/syntax"
	"strings"
	"unicode/utf8"
)

// A regular expression can only match text that contains the literals it
// requires: `ticket-\d+\b` needs "ticket-". Checking for the longest such
// literal first spares running the matcher over text that cannot match,
// which makes rule sets with many patterns cheap. The check never refuses
// text the expression would match; it only lets through text it then
// does not.

// requiredLiteral returns the longest literal every match of the
// expression contains, and whether it is compared ignoring case (ASCII
// letters only, as RE2's (?i) does). It returns "" when there is none worth
// checking.
func requiredLiteral(pattern string) (lit string, fold bool) {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return "", false
	}
	var best string
	var bestFold bool
	var walk func(re *syntax.Regexp)
	walk = func(re *syntax.Regexp) {
		switch re.Op {
		case syntax.OpLiteral:
			s := string(re.Rune)
			f := re.Flags&syntax.FoldCase != 0
			if f && !isASCII(s) {
				return // non-ASCII case folding has orbits of its own
			}
			if f {
				s = strings.ToLower(s)
			}
			if len(s) > len(best) {
				best, bestFold = s, f
			}
		case syntax.OpConcat:
			for _, sub := range re.Sub {
				walk(sub)
			}
		case syntax.OpCapture, syntax.OpPlus:
			walk(re.Sub[0])
		case syntax.OpRepeat:
			if re.Min >= 1 {
				walk(re.Sub[0])
			}
		}
	}
	walk(re)
	if len(best) < 2 {
		return "", false
	}
	return best, bestFold
}

// lowerASCII returns s with ASCII letters lower-cased, the Kelvin sign
// (U+212A) replaced by "k" and the long s (U+017F) by "s", all else left
// as it is. Where an ASCII literal matches s under RE2's (?i) folding, whose
// case orbits for ASCII letters are exactly these, the lower-case literal
// is a substring of lowerASCII(s).
func lowerASCII(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' || c >= utf8.RuneSelf {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			b.WriteByte(c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch r {
		case '\u212A':
			b.WriteByte('k')
		case '\u017F':
			b.WriteByte('s')
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}
