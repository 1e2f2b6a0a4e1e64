package mailparse

import (
	"strings"

	"github.com/inbucket/html2text"
	"github.com/jhillyerd/enmime/v2"
)

// bodyParts is what readBody finds in the MIME tree.
type bodyParts struct {
	text, html  string
	attachments []Attachment
	// leaves are the non-multipart parts in document order; classify
	// looks at their types (message/delivery-status, message/rfc822 …).
	leaves []*enmime.Part
}

// readBody walks the MIME tree in document order. A text/plain or text/html
// part that is not an attachment (RFC 2183) is body text; the text/plain
// bodies are joined, and so are the HTML ones, sanitized. A named body part
// is listed as an attachment as well. Every other leaf part is an attachment, inline when its disposition says so or it
// has a Content-ID without a disposition (RFC 2387 multipart/related).
// Without a text part, Text is derived from the HTML.
func readBody(root *enmime.Part, w *warnings) *bodyParts {
	b := &bodyParts{attachments: []Attachment{}}
	var texts, htmls []string
	_ = root.DepthMatchAll(func(p *enmime.Part) bool {
		if p.FirstChild != nil || strings.HasPrefix(p.ContentType, "multipart/") {
			return false
		}
		b.leaves = append(b.leaves, p)
		ctype := p.ContentType
		if ctype == "" {
			ctype = "text/plain" // RFC 2045 §5.2
		}
		name := p.FileName
		if name == "" {
			name = rfc2231Filename(p.Header, w)
		}
		body := (ctype == "text/plain" || ctype == "text/html") &&
			!strings.EqualFold(p.Disposition, "attachment")
		if body {
			declared := declaredCharset(p.Header.Get("Content-Type"))
			s, _ := decodeText(p.Content, declared, ctype == "text/html", w)
			if ctype == "text/html" {
				htmls = append(htmls, s)
			} else {
				texts = append(texts, s)
			}
			if name == "" {
				return false
			}
			// A named inline text part is shown as body text and is
			// offered as a file too.
		}
		b.attachments = append(b.attachments, Attachment{
			Filename:    name,
			ContentType: ctype,
			Size:        int64(len(p.Content)),
			Inline:      strings.EqualFold(p.Disposition, "inline") || (p.Disposition == "" && p.ContentID != ""),
			ContentID:   p.ContentID,
			Data:        p.Content,
		})
		return false
	})
	b.text = strings.Join(texts, "\n")
	if len(htmls) > 0 {
		b.html = Sanitize(strings.Join(htmls, "\n"))
	}
	if len(texts) == 0 && b.html != "" {
		if t, err := html2text.FromString(b.html); err == nil {
			b.text = t
		}
	}
	return b
}
