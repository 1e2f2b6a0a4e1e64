// Package terms cuts text into the words search indexes and looks for:
// Unicode-folded ("Jörg", "JÖRG" and "jorg" are one term; "Straße" is
// "strasse"), split at everything that is not a letter or a digit. The ticket
// store indexes the terms of what it stores, and a search query is read into
// terms the same way, so the two always agree.
package terms

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// Limits that bound what one text costs the index.
const (
	// MinRunes is the length of the shortest term: single letters find
	// everything and are not indexed.
	MinRunes = 2
	// MaxBytes is the length of the longest term; longer runs of letters and
	// digits (encoded data, hashes, long URLs) are not words anyone types.
	MaxBytes = 32
	// MaxPerText is how many distinct terms one text gives at most; the rest
	// of a very long text is not indexed.
	MaxPerText = 4000
)

// letters that decomposition leaves whole but people write without their
// stroke or ligature.
var letters = strings.NewReplacer("ø", "o", "æ", "ae", "œ", "oe", "đ", "d", "ł", "l", "þ", "th", "ð", "d", "ı", "i")

// folders keeps the transform chains Fold uses: a chain holds buffers of a
// few KiB, too much to build for every word of a long mail (a 25 MB letter
// in German made 16 GB of garbage), and is not safe for concurrent use.
var folders = sync.Pool{New: func() any {
	return transform.Chain(norm.NFKD, runes.Remove(runes.In(unicode.Mn)), cases.Fold(), norm.NFC)
}}

// Fold returns word as the index keeps it: compatibility-decomposed,
// without combining marks, case-folded.
func Fold(word string) string {
	if isASCII(word) {
		return strings.ToLower(word)
	}
	t := folders.Get().(transform.Transformer)
	out, _, err := transform.String(t, word) // resets t first
	folders.Put(t)
	if err != nil {
		return strings.ToLower(word)
	}
	return letters.Replace(out)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// isWord reports whether r belongs to a word: a letter, a digit or a mark
// that goes with a letter.
func isWord(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

// Span is one word of a text: where it starts and ends (byte offsets) and
// its folded form ("" when it is too short or too long to be a term).
type Span struct {
	Start, End int
	Term       string
}

// Words calls fn for each word of text, in order, until fn returns false.
func Words(text string, fn func(Span) bool) {
	// A long text says the same words again and again: each that is not
	// plain ASCII (cheap to fold) is folded once.
	folded := make(map[string]string)
	start := -1
	for i, r := range text {
		if isWord(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			if !fn(span(text, start, i, folded)) {
				return
			}
			start = -1
		}
	}
	if start >= 0 {
		fn(span(text, start, len(text), folded))
	}
}

// maxFolded bounds the words one call of Words remembers the folding of.
const maxFolded = 1 << 14

func span(text string, start, end int, folded map[string]string) Span {
	s := Span{Start: start, End: end}
	if end-start > 4*MaxBytes { // not a word, and folding it would cost
		return s
	}
	w := text[start:end]
	if isASCII(w) {
		s.Term = keep(strings.ToLower(w))
		return s
	}
	t, ok := folded[w]
	if !ok {
		t = keep(Fold(w))
		if len(folded) < maxFolded {
			folded[w] = t
		}
	}
	s.Term = t
	return s
}

// keep returns a folded word when it is a term, else "". Folding may split
// a word ("ﬁ" is "fi"), never join two.
func keep(t string) string {
	if len(t) > MaxBytes || utf8.RuneCountInString(t) < MinRunes {
		return ""
	}
	return t
}

// Of returns the distinct terms of texts, in the order they first occur, at
// most MaxPerText.
func Of(texts ...string) []string {
	seen := make(map[string]struct{})
	var out []string
	for _, text := range texts {
		Words(text, func(s Span) bool {
			if s.Term == "" {
				return true
			}
			if _, ok := seen[s.Term]; !ok {
				seen[s.Term] = struct{}{}
				out = append(out, s.Term)
			}
			return len(out) < MaxPerText
		})
		if len(out) >= MaxPerText {
			break
		}
	}
	return out
}

// Query is what a search's words ask for: every term in Terms, the last
// (when Prefix) as the start of a word.
type Query struct {
	Terms  []string
	Prefix bool
}

// MaxQueryTerms bounds the words of one query.
const MaxQueryTerms = 12

// ParseQuery reads what someone typed into a search box. The last word counts
// as a prefix unless the text ends in a space or punctuation: the person may
// still be typing it. A word of one letter is left out, except as the prefix
// being typed, which then needs two letters to count.
func ParseQuery(q string) Query {
	var out Query
	seen := make(map[string]bool)
	lastEnd, lastTerm := -1, ""
	Words(q, func(s Span) bool {
		lastEnd, lastTerm = s.End, s.Term
		if s.Term != "" && !seen[s.Term] {
			seen[s.Term] = true
			out.Terms = append(out.Terms, s.Term)
		}
		return len(out.Terms) < MaxQueryTerms
	})
	if lastEnd == len(q) && lastTerm != "" && len(out.Terms) > 0 && out.Terms[len(out.Terms)-1] == lastTerm {
		out.Prefix = true
	}
	return out
}

// Matches reports whether a folded term of a text answers the query.
func (q Query) Matches(term string) bool {
	if term == "" {
		return false
	}
	for i, t := range q.Terms {
		if term == t || (q.Prefix && i == len(q.Terms)-1 && strings.HasPrefix(term, t)) {
			return true
		}
	}
	return false
}
