package terms

import (
	"strings"
	"unicode/utf8"
)

// Part is a piece of a snippet: text to show, marked when it is a word the
// query matched.
type Part struct {
	Text string `json:"text"`
	Mark bool   `json:"mark,omitempty"`
}

// Snippet returns the passage of text around the first word that answers q,
// about width bytes long, cut at word boundaries, with every matching word in
// it marked; and the matched words as written. It returns nil when no word
// of text answers q.
func Snippet(text string, q Query, width int) (parts []Part, matched []string) {
	first := -1
	Words(text, func(s Span) bool {
		if q.Matches(s.Term) {
			first = s.Start
			return false
		}
		return true
	})
	if first < 0 {
		return nil, nil
	}
	start := min(first-width/4, len(text)-width) // fill the window near the end
	if start < 0 {
		start = 0
	}
	for start > 0 && !utf8.RuneStart(text[start]) {
		start++
	}
	end := start + width
	if end > len(text) {
		end = len(text)
	}
	for end < len(text) && !utf8.RuneStart(text[end]) {
		end--
	}
	window := text[start:end]
	// Cut half words off both ends.
	if start > 0 {
		if i := strings.IndexAny(window, " \n\t"); i >= 0 && i < first-start {
			window, start = window[i+1:], start+i+1
		}
	}
	if end < len(text) {
		if i := strings.LastIndexAny(window, " \n\t"); i > first-start {
			window = window[:i]
		}
	}
	seen := make(map[string]bool)
	at := 0
	Words(window, func(s Span) bool {
		if !q.Matches(s.Term) {
			return true
		}
		if s.Start > at {
			parts = append(parts, Part{Text: flat(window[at:s.Start])})
		}
		w := window[s.Start:s.End]
		parts = append(parts, Part{Text: w, Mark: true})
		if !seen[w] {
			seen[w] = true
			matched = append(matched, w)
		}
		at = s.End
		return true
	})
	if at < len(window) {
		parts = append(parts, Part{Text: flat(window[at:])})
	}
	if start > 0 {
		if len(parts) > 0 && !parts[0].Mark {
			parts[0].Text = strings.TrimLeft(parts[0].Text, " ")
		}
		parts = append([]Part{{Text: "… "}}, parts...)
	}
	if start+len(window) < len(text) {
		parts = append(parts, Part{Text: " …"})
	}
	return parts, matched
}

// flat puts a passage on one line, keeping one space where it began or
// ended in white space, so that words do not run together around a mark.
func flat(s string) string {
	f := strings.Join(strings.Fields(s), " ")
	if f == "" {
		if s == "" {
			return ""
		}
		return " "
	}
	if strings.ContainsAny(s[:1], " \n\t\r") {
		f = " " + f
	}
	if strings.ContainsAny(s[len(s)-1:], " \n\t\r") {
		f += " "
	}
	return f
}
