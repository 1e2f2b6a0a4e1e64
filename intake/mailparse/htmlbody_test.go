package mailparse

import (
	"bytes"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"unicode/utf8"
)

// htmlMail builds a mail whose HTML body is size bytes: paragraphs dense
// with tags, the worst case for the sanitizer's memory, up to at most
// paragraphs of them, then white space; with text set it is
// multipart/alternative with that plain text too.
func htmlMail(size, paragraphs int, text string) (raw, html []byte) {
	var h bytes.Buffer
	h.WriteString("<html><head><title>Order</title><style>p{margin:0}</style></head><body>\r\n")
	for i := 0; i < paragraphs && h.Len() < size-len("</body></html>\r\n"); i++ {
		fmt.Fprintf(&h, "<p><b>Line</b> <i>%d</i> <span>of</span> <a href=\"https://shop.example/%d\">the order</a></p>\r\n", i, i)
	}
	h.WriteString("</body></html>\r\n")
	if h.Len() < size { // pad to the exact size
		h.Write(bytes.Repeat([]byte(" "), size-h.Len()))
	}
	h.Truncate(size)
	head := "From: Shop <shop@example.org>\r\nTo: support@example.com\r\nSubject: big html\r\nMIME-Version: 1.0\r\n"
	if text == "" {
		return []byte(head + "Content-Type: text/html; charset=utf-8\r\n\r\n" + h.String()), h.Bytes()
	}
	return []byte(head + "Content-Type: multipart/alternative; boundary=\"alt\"\r\n\r\n" +
		"--alt\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + text + "\r\n" +
		"--alt\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + h.String() + "\r\n--alt--\r\n"), h.Bytes()
}

func TestHTMLLimit(t *testing.T) {
	t.Run("at the limit", func(t *testing.T) {
		raw, _ := htmlMail(MaxHTMLSize, 1000, "")
		m, err := Parse(raw, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(m.HTML, "<p><b>Line</b> <i>0</i>") || len(m.Attachments) != 0 || len(m.Warnings) != 0 {
			t.Errorf("HTML of %d bytes: html %.80q…, %d attachments, warnings %q; want it sanitized and shown", MaxHTMLSize, m.HTML, len(m.Attachments), m.Warnings)
		}
	})
	t.Run("over the limit", func(t *testing.T) {
		raw, html := htmlMail(MaxHTMLSize+1, MaxHTMLSize, "")
		m, err := Parse(raw, nil)
		if err != nil {
			t.Fatal(err)
		}
		if m.HTML != "" {
			t.Errorf("html %.80q…, want none", m.HTML)
		}
		if len(m.Attachments) != 1 {
			t.Fatalf("%d attachments, want message.html", len(m.Attachments))
		}
		if a := m.Attachments[0]; a.Filename != "message.html" || a.ContentType != "text/html" || a.Inline || !bytes.Equal(a.Data, html) {
			t.Errorf("attachment %s %s inline %v, %d bytes; want message.html, text/html, the HTML as received (%d bytes)",
				a.Filename, a.ContentType, a.Inline, len(a.Data), len(html))
		}
		if !strings.HasPrefix(m.Text, "Line 0 of the order\n\nLine 1 of the order\n\n") || strings.Contains(m.Text, "Order") || strings.Contains(m.Text, "margin") {
			t.Errorf("text %.100q…, want the excerpt of the body's text", m.Text)
		}
		if len(m.Text) > htmlExcerptSize+10 || !strings.HasSuffix(m.Text, " …") {
			t.Errorf("text of %d bytes ending %q, want an excerpt of at most %d bytes ending in an ellipsis", len(m.Text), m.Text[max(0, len(m.Text)-20):], htmlExcerptSize)
		}
		want := "the HTML of this mail is 2.0 MiB, more than the 2 MiB shown; it is kept as the attachment message.html, and the text shown is an excerpt of it"
		if len(m.Warnings) != 1 || m.Warnings[0] != want {
			t.Errorf("warnings %q, want %q", m.Warnings, want)
		}
	})
	t.Run("over the limit beside plain text", func(t *testing.T) {
		raw, _ := htmlMail(3*MaxHTMLSize, 3*MaxHTMLSize, "Hello, the order is late.")
		m, err := Parse(raw, nil)
		if err != nil {
			t.Fatal(err)
		}
		if m.Text != "Hello, the order is late." || m.HTML != "" {
			t.Errorf("text %q, html %.40q; want the plain text and no HTML", m.Text, m.HTML)
		}
		if len(m.Attachments) != 1 || m.Attachments[0].Filename != "message.html" {
			t.Errorf("attachments %+v, want message.html", m.Attachments)
		}
		want := "the HTML of this mail is 6.0 MiB, more than the 2 MiB shown; it is kept as the attachment message.html"
		if len(m.Warnings) != 1 || m.Warnings[0] != want {
			t.Errorf("warnings %q, want %q", m.Warnings, want)
		}
	})
}

// TestHTMLMemoryBound checks that parsing a large HTML mail allocates a few
// times its size (4 times; 8 under the race detector), not the 69 times the
// sanitizer and the HTML-to-text conversion took: bytes allocated are
// counted, not time or RSS.
func TestHTMLMemoryBound(t *testing.T) {
	raw, _ := htmlMail(8<<20, 8<<20, "")
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	m, err := Parse(raw, nil)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("parsing a %d-byte HTML mail allocated %d bytes (%.1f times)", len(raw), alloc, float64(alloc)/float64(len(raw)))
	if alloc > 16*uint64(len(raw)) {
		t.Errorf("parsing a %d-byte HTML mail allocated %d bytes, over 16 times its size", len(raw), alloc)
	}
	if len(m.Attachments) != 1 {
		t.Errorf("%d attachments, want message.html", len(m.Attachments))
	}
}

func TestHTMLText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`<html><head><title>T</title><style>p{}</style></head><body><p>Hello &amp; welcome</p><script>x()</script>` +
			`<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>Bye</body></html>`, "Hello & welcome\n\na b\nc\n\nBye"},
		{"one\n  two<br>three<br><br>four", "one two\nthree\nfour"},
		{"<div>caf\u00e9</div><div>na\u00efve</div>", "café\nnaïve"},
		{"<p>a</p>\n\n\n<p>b</p>", "a\n\nb"},
	} {
		var out textWriter
		htmlText(&out, tc.in, 1000)
		if got := strings.TrimSpace(out.String()); got != tc.want {
			t.Errorf("htmlText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	for _, in := range []string{strings.Repeat("<p>word word word</p>", 1000), strings.Repeat("é", 1000)} {
		var out textWriter
		htmlText(&out, in, 101)
		if out.Len() < 100 || out.Len() > 101 || !utf8.ValidString(out.String()) {
			t.Errorf("htmlText(%.20q…) with a limit of 101 wrote %d bytes %.20q…", in, out.Len(), out.String())
		}
	}
}
