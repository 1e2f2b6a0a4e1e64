package mailparse

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"github.com/jhillyerd/enmime/v2"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// MaxHTMLSize is the most HTML, in bytes as received (after the transfer
// encoding is undone), that the body of one mail may hold to be sanitized
// and shown. Sanitizing HTML and deriving its text build a tree of it that
// takes 30 to 50 times its size in memory when the HTML is dense with tags
// (a 24 MB mail took 1.1 GB), so a mail with more is kept whole as the
// attachment message.html (text/html, which the UI offers as a download and
// never renders), its text is an excerpt of the HTML's beginning, and a
// warning says so. Real HTML mail is rarely over 200 KB; images pasted
// into it as data: URIs make some larger.
const MaxHTMLSize = 2 << 20

// htmlExcerptInput is how much of an oversized HTML body the excerpt is
// read from, and htmlExcerptSize how long the excerpt may be, in bytes.
const (
	htmlExcerptInput = 1 << 20
	htmlExcerptSize  = 64 << 10
)

// htmlExcerpt makes the text of a mail whose HTML is over MaxHTMLSize: the
// text of the first htmlExcerptInput bytes of each of its HTML parts, at
// most htmlExcerptSize bytes of it, read with a tokenizer that builds no tree.
func htmlExcerpt(parts []*enmime.Part, w *warnings) string {
	var out textWriter
	for _, p := range parts {
		if out.Len() >= htmlExcerptSize {
			break
		}
		in := p.Content
		if len(in) > htmlExcerptInput {
			// Cut at a line break, so that no character is cut in
			// two: 0x0A is never part of a multi-byte character
			// in the charsets mail uses, UTF-16 aside.
			in = in[:htmlExcerptInput]
			if i := bytes.LastIndexByte(in, '\n'); i > 0 {
				in = in[:i+1]
			}
		}
		s, _ := decodeText(in, declaredCharset(p.Header.Get("Content-Type")), true, w)
		htmlText(&out, s, htmlExcerptSize)
		out.breakLine(2)
	}
	text := strings.TrimSpace(out.String())
	if out.Len() >= htmlExcerptSize {
		text += " …"
	}
	return text
}

// htmlText writes the text of HTML document s to out, until out holds max
// bytes: text outside script, style, head and the like, white space
// collapsed, a line break for each block element.
func htmlText(out *textWriter, s string, max int) {
	z := html.NewTokenizer(strings.NewReader(s))
	skip := atom.Atom(0) // the element whose content is not text
	for out.Len() < max {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return
		case html.TextToken:
			if skip == 0 {
				out.text(z.Text(), max)
			}
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			switch {
			case skip != 0:
				if tt == html.EndTagToken && a == skip {
					skip = 0
				}
			case invisibleElements[a] && tt == html.StartTagToken:
				skip = a
			case a == atom.Td || a == atom.Th:
				out.space()
			case lineBreaks[a] > 0:
				out.breakLine(lineBreaks[a])
			}
		}
	}
}

// invisibleElements hold no text a reader sees.
var invisibleElements = map[atom.Atom]bool{
	atom.Head: true, atom.Title: true, atom.Script: true, atom.Style: true,
	atom.Template: true, atom.Noscript: true, atom.Svg: true, atom.Math: true,
	atom.Object: true, atom.Iframe: true, atom.Select: true, atom.Textarea: true,
}

// lineBreaks are the line breaks that block elements put before and after
// their text: one for lines, two (an empty line) for paragraphs.
var lineBreaks = map[atom.Atom]int{
	atom.Br: 1, atom.Dd: 1, atom.Div: 1, atom.Dt: 1, atom.Li: 1, atom.Tr: 1,
	atom.Address: 2, atom.Article: 2, atom.Aside: 2, atom.Blockquote: 2,
	atom.Center: 2, atom.Dl: 2, atom.Footer: 2, atom.Form: 2, atom.H1: 2,
	atom.H2: 2, atom.H3: 2, atom.H4: 2, atom.H5: 2, atom.H6: 2, atom.Header: 2,
	atom.Hr: 2, atom.Main: 2, atom.Nav: 2, atom.Ol: 2, atom.P: 2, atom.Pre: 2,
	atom.Section: 2, atom.Table: 2, atom.Ul: 2,
}

// textWriter collects text with white space collapsed: runs of spaces become
// one, and runs of line breaks at most one empty line.
type textWriter struct {
	b       strings.Builder
	spaced  bool // a space is due before the next word
	breaks  int  // line breaks due before the next word
	started bool // a word was written
}

func (t *textWriter) Len() int       { return t.b.Len() }
func (t *textWriter) String() string { return t.b.String() }

// breakLine puts n line breaks (1 or 2) before the next word, unless more
// are due already.
func (t *textWriter) breakLine(n int) {
	if t.started {
		t.breaks = max(t.breaks, n)
	}
}

func (t *textWriter) space() {
	t.spaced = t.started
}

// text appends the words of s, until the text holds max bytes.
func (t *textWriter) text(s []byte, max int) {
	for len(s) > 0 && t.b.Len() < max {
		if isSpaceByte(s[0]) {
			t.space()
			s = s[1:]
			continue
		}
		end := bytes.IndexFunc(s, func(r rune) bool { return r < 0x80 && isSpaceByte(byte(r)) })
		if end < 0 {
			end = len(s)
		}
		switch {
		case t.breaks > 0:
			t.b.WriteString("\n\n"[:t.breaks])
		case t.spaced:
			t.b.WriteByte(' ')
		}
		word := s[:end]
		if room := max - t.b.Len(); len(word) > room {
			// Cut a word too long for the rest, at a character.
			for room > 0 && !utf8.RuneStart(word[room]) {
				room--
			}
			word = word[:room]
		}
		t.b.Write(word)
		t.breaks, t.spaced, t.started = 0, false, true
		s = s[end:]
	}
}

func isSpaceByte(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'
}
