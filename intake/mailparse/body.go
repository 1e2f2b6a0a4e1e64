package mailparse

import (
	"fmt"
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
// is listed as an attachment as well. Every other leaf part is an attachment,
// inline when its disposition says so or it has a Content-ID without a
// disposition (RFC 2387 multipart/related). Without a text part, Text is
// derived from the HTML. HTML bodies over MaxHTMLSize in all are not
// sanitized but kept as attachments, message.html, and the text derived from
// them is an excerpt.
func readBody(root *enmime.Part, w *warnings) *bodyParts {
	b := &bodyParts{attachments: []Attachment{}}
	var texts, htmls []string
	htmlSize := 0
	_ = root.DepthMatchAll(func(p *enmime.Part) bool {
		if ctype, body := bodyType(p); body && ctype == "text/html" {
			htmlSize += len(p.Content)
		}
		return false
	})
	var bigHTML []*enmime.Part // the HTML bodies, when over MaxHTMLSize
	bigName := ""              // the attachment the first of them is
	_ = root.DepthMatchAll(func(p *enmime.Part) bool {
		if p.FirstChild != nil || strings.HasPrefix(p.ContentType, "multipart/") {
			return false
		}
		b.leaves = append(b.leaves, p)
		ctype, body := bodyType(p)
		name := p.FileName
		if name == "" {
			name = rfc2231Filename(p.Header, w)
		}
		inline := strings.EqualFold(p.Disposition, "inline") || (p.Disposition == "" && p.ContentID != "")
		switch {
		case body && ctype == "text/html" && htmlSize > MaxHTMLSize:
			bigHTML = append(bigHTML, p)
			if name == "" {
				name = "message.html"
				if len(bigHTML) > 1 {
					name = fmt.Sprintf("message-%d.html", len(bigHTML))
				}
				inline = false
			}
			if bigName == "" {
				bigName = name
			}
		case body:
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
			Inline:      inline,
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
	if len(bigHTML) > 0 {
		what := ""
		if len(texts) == 0 {
			b.text = htmlExcerpt(bigHTML, w)
			what = ", and the text shown is an excerpt of it"
		}
		w.add("the HTML of this mail is %.1f MiB, more than the %d MiB shown; it is kept as the attachment %s%s",
			float64(htmlSize)/(1<<20), MaxHTMLSize>>20, bigName, what)
	}
	return b
}

// bodyType returns the content type of a leaf part and whether it is body
// text: text/plain or text/html and not an attachment (RFC 2183).
func bodyType(p *enmime.Part) (ctype string, body bool) {
	if p.FirstChild != nil || strings.HasPrefix(p.ContentType, "multipart/") {
		return p.ContentType, false
	}
	ctype = p.ContentType
	if ctype == "" {
		ctype = "text/plain" // RFC 2045 §5.2
	}
	body = (ctype == "text/plain" || ctype == "text/html") && !strings.EqualFold(p.Disposition, "attachment")
	return ctype, body
}
