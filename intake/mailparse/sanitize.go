package mailparse

import (
	"bytes"
	"regexp"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"
)

// policy is bluemonday's policy for user generated content, which removes
// scripts, event handler attributes, javascript: and other non-web URLs,
// style attributes and elements (and with them CSS expressions), frames,
// objects, forms and SVG, plus what mail needs: cid: URLs (RFC 2392) for
// inline images, data: URIs for images only, and the presentational
// <center> and <font> that mailers still write.
var policy = newPolicy()

func newPolicy() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowURLSchemes("mailto", "http", "https", "cid")
	p.AllowDataURIImages()
	p.AllowElements("center")
	p.AllowAttrs("color").Matching(regexp.MustCompile(`^#?[0-9a-zA-Z]{1,20}$`)).OnElements("font")
	p.AllowAttrs("face").Matching(regexp.MustCompile(`^[\p{L}\p{N}\s,'"-]{1,100}$`)).OnElements("font")
	p.AllowAttrs("size").Matching(regexp.MustCompile(`^[+-]?[0-7]$`)).OnElements("font")
	p.AllowElements("font")
	// Sanitize marks remote images data-remote-src; keeping the mark makes
	// sanitizing twice (at intake, and again when the UI shows the mail) the
	// same as once, so the UI can still offer to show them.
	p.AllowAttrs("data-remote-src").Matching(regexp.MustCompile(`^(?i)(https?:)?//[^\s"'<>]+$`)).OnElements("img")
	p.RequireNoReferrerOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	return p
}

// Sanitize makes HTML from a mail safe to show: policy's clean-up, then
// remote images are marked instead of loaded. An <img> whose src is an
// http or https URL becomes <img data-remote-src="URL" alt="…"> without src,
// so that the UI can offer to show images (loading them would tell the
// sender that the mail was read). cid: and data: images keep their src.
func Sanitize(s string) string {
	out := policy.Sanitize(s)
	if !strings.Contains(out, "<img") {
		return out
	}
	return markRemoteImages(out)
}

// markRemoteImages rewrites the img tags of sanitized HTML.
func markRemoteImages(s string) string {
	var buf bytes.Buffer
	z := html.NewTokenizer(strings.NewReader(s))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		raw := z.Raw()
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			buf.Write(raw)
			continue
		}
		t := z.Token()
		if t.Data != "img" {
			buf.Write(raw)
			continue
		}
		attrs := t.Attr[:0:0]
		for _, a := range t.Attr {
			if a.Key == "src" {
				lower := strings.ToLower(strings.TrimSpace(a.Val))
				if strings.HasPrefix(lower, "http://") || strings.HasPrefix(lower, "https://") || strings.HasPrefix(lower, "//") {
					a.Key = "data-remote-src"
				}
			}
			if a.Key == "srcset" {
				continue
			}
			attrs = append(attrs, a)
		}
		t.Attr = attrs
		buf.WriteString(t.String())
	}
	return buf.String()
}
