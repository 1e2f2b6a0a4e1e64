package mail

import (
	"bytes"
	"strings"
)

// lineLen is the line length header fields are folded to (RFC 5322 §2.1.1
// recommends 78 characters).
const lineLen = 78

// header is an ordered list of header fields.
type header struct{ fields [][2]string }

func (h *header) add(name, value string) { h.fields = append(h.fields, [2]string{name, value}) }

// writeTo writes the fields with CRLF line endings, folding long values at
// spaces (RFC 5322 §2.2.3). Values never contain CR or LF: Build refuses them.
func (h *header) writeTo(buf *bytes.Buffer) {
	for _, f := range h.fields {
		buf.WriteString(fold(f[0], f[1]))
		buf.WriteString("\r\n")
	}
}

// fold returns "name: value" with CRLF plus a space inserted before words
// that would make a line longer than lineLen. A word longer than a line is
// left whole.
func fold(name, value string) string {
	var b strings.Builder
	b.WriteString(name)
	b.WriteString(":")
	n := b.Len()
	for i, word := range strings.Split(value, " ") {
		if i > 0 && word == "" {
			// Keep runs of spaces as they are.
			b.WriteByte(' ')
			n++
			continue
		}
		if n+1+len(word) > lineLen && n > len(name)+1 {
			b.WriteString("\r\n")
			n = 0
		}
		b.WriteByte(' ')
		b.WriteString(word)
		n += 1 + len(word)
	}
	return b.String()
}
