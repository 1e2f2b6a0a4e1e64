package mail

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
	"time"

	"frontdesk/fault"
)

func sampleMessage() Message {
	return Message{
		From:      Address{Name: "Support Desk", Addr: "support@example.com"},
		To:        []Address{{Name: "Jürgen Müller", Addr: "jm@example.net"}},
		Cc:        []Address{{Addr: "boss@example.net"}},
		ReplyTo:   &Address{Addr: "support+t42@example.com"},
		Subject:   "Re: Rechnung für März",
		Text:      "Hello <Jürgen>,\n\nsee https://example.com/?a=1&b=2 for details.\nSecond line.\n\n-- \nSupport",
		MessageID: "<t42.1@desk.example.com>",
		InReplyTo: "<orig@example.net>",
		Date:      time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC),
		Headers: map[string]string{
			"Auto-Submitted":           "auto-replied",
			"X-Auto-Response-Suppress": "All",
		},
	}
}

func TestBuildHeaders(t *testing.T) {
	raw, err := Build(sampleMessage())
	if err != nil {
		t.Fatal(err)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	h := msg.Header
	dec := new(mime.WordDecoder)
	subj, err := dec.DecodeHeader(h.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	if subj != "Re: Rechnung für März" {
		t.Errorf("subject = %q", subj)
	}
	if !strings.Contains(h.Get("Subject"), "=?utf-8?q?") {
		t.Errorf("non-ASCII subject not encoded: %q", h.Get("Subject"))
	}
	to, err := h.AddressList("To")
	if err != nil || len(to) != 1 || to[0].Name != "Jürgen Müller" || to[0].Address != "jm@example.net" {
		t.Errorf("To = %v, %v (raw %q)", to, err, h.Get("To"))
	}
	from, err := h.AddressList("From")
	if err != nil || from[0].Name != "Support Desk" || strings.Contains(h.Get("From"), "=?") {
		t.Errorf("From = %q: ASCII names stay unencoded", h.Get("From"))
	}
	for k, want := range map[string]string{
		"Message-Id":               "<t42.1@desk.example.com>",
		"In-Reply-To":              "<orig@example.net>",
		"References":               "<orig@example.net>",
		"Reply-To":                 "<support+t42@example.com>",
		"Cc":                       "<boss@example.net>",
		"Mime-Version":             "1.0",
		"Date":                     "Sun, 01 Mar 2026 10:00:00 +0000",
		"Auto-Submitted":           "auto-replied",
		"X-Auto-Response-Suppress": "All",
	} {
		if got := h.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if mt, _, _ := mime.ParseMediaType(h.Get("Content-Type")); mt != "multipart/alternative" {
		t.Errorf("Content-Type = %q", h.Get("Content-Type"))
	}
}

func TestBuildCRLF(t *testing.T) {
	m := sampleMessage()
	m.Attachments = []Attachment{{Filename: "a.txt", ContentType: "text/plain", Data: []byte("x\ny\n")}}
	raw, err := Build(m)
	if err != nil {
		t.Fatal(err)
	}
	for i, b := range raw {
		if b == '\n' && (i == 0 || raw[i-1] != '\r') {
			t.Fatalf("bare LF at %d: %q", i, raw[max(0, i-40):i+1])
		}
		if b == '\r' && (i+1 == len(raw) || raw[i+1] != '\n') {
			t.Fatalf("bare CR at %d", i)
		}
	}
	for _, line := range strings.Split(string(raw), "\r\n") {
		if len(line) > 998 {
			t.Fatalf("line of %d bytes", len(line))
		}
	}
}

func TestBuildReferencesCapped(t *testing.T) {
	m := sampleMessage()
	for i := range 30 {
		m.References = append(m.References, fmt.Sprintf("<r%d@example.net>", i))
	}
	raw, err := Build(m)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	refs := strings.Fields(msg.Header.Get("References"))
	if len(refs) != 20 {
		t.Fatalf("%d references, want 20: %v", len(refs), refs)
	}
	if refs[0] != "<r0@example.net>" || refs[1] != "<r11@example.net>" || refs[19] != "<r29@example.net>" {
		t.Errorf("references = %v", refs)
	}
	// The long field is folded, not one long line.
	for _, line := range strings.Split(string(raw), "\r\n") {
		if len(line) > 78 && strings.HasPrefix(line, "References") {
			t.Errorf("unfolded: %q", line)
		}
	}
}

// parts reads the leaves of a MIME tree, decoded.
type part struct {
	ctype, filename string
	body            []byte
}

func readParts(t *testing.T, ctype string, r io.Reader) []part {
	t.Helper()
	mt, params, err := mime.ParseMediaType(ctype)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(mt, "multipart/") {
		t.Fatalf("not multipart: %s", mt)
	}
	var out []part
	mr := multipart.NewReader(r, params["boundary"])
	for {
		p, err := mr.NextRawPart()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		ct := p.Header.Get("Content-Type")
		if strings.HasPrefix(ct, "multipart/") {
			out = append(out, readParts(t, ct, p)...)
			continue
		}
		var body io.Reader = p
		switch p.Header.Get("Content-Transfer-Encoding") {
		case "quoted-printable":
			body = quotedprintable.NewReader(p)
		case "base64":
			body = base64.NewDecoder(base64.StdEncoding, p)
		default:
			t.Fatalf("part %s without transfer encoding", ct)
		}
		b, err := io.ReadAll(body)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, part{ctype: ct, filename: p.FileName(), body: b})
	}
}

func TestBuildMultipart(t *testing.T) {
	m := sampleMessage()
	m.Attachments = []Attachment{
		{Filename: "invoice.pdf", ContentType: "application/pdf", Data: bytes.Repeat([]byte{0, 1, 2, 250}, 100)},
		{Filename: "notiz-ä.txt", Data: []byte("hi")},
	}
	raw, err := Build(m)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	ct := msg.Header.Get("Content-Type")
	if mt, _, _ := mime.ParseMediaType(ct); mt != "multipart/mixed" {
		t.Fatalf("Content-Type = %q", ct)
	}
	parts := readParts(t, ct, msg.Body)
	if len(parts) != 4 {
		t.Fatalf("%d parts, want 4", len(parts))
	}
	wantText := strings.ReplaceAll(m.Text, "\n", "\r\n")
	if !strings.HasPrefix(parts[0].ctype, "text/plain") || string(parts[0].body) != wantText {
		t.Errorf("text part %s = %q", parts[0].ctype, parts[0].body)
	}
	html := string(parts[1].body)
	if !strings.HasPrefix(parts[1].ctype, "text/html") {
		t.Errorf("second part is %s", parts[1].ctype)
	}
	for _, want := range []string{
		"<p>Hello &lt;Jürgen&gt;,</p>",
		"see https://example.com/?a=1&amp;b=2 for details.<br>",
		"<p>-- <br>",
	} {
		if !strings.Contains(html, want) {
			t.Errorf("html lacks %q:\n%s", want, html)
		}
	}
	if strings.Contains(html, "<a ") || strings.Contains(html, "<Jürgen>") {
		t.Errorf("html not escaped or links made:\n%s", html)
	}
	if parts[2].filename != "invoice.pdf" || !bytes.Equal(parts[2].body, m.Attachments[0].Data) ||
		!strings.HasPrefix(parts[2].ctype, "application/pdf") {
		t.Errorf("attachment 1: %s %q", parts[2].ctype, parts[2].filename)
	}
	if parts[3].filename != "notiz-ä.txt" || string(parts[3].body) != "hi" ||
		!strings.HasPrefix(parts[3].ctype, "application/octet-stream") {
		t.Errorf("attachment 2: %s %q", parts[3].ctype, parts[3].filename)
	}
}

func TestBuildRefusesInjection(t *testing.T) {
	for name, mutate := range map[string]func(*Message){
		"subject CRLF":       func(m *Message) { m.Subject = "Hi\r\nBcc: x@evil" },
		"subject LF":         func(m *Message) { m.Subject = "Hi\nBcc: x@evil" },
		"from name":          func(m *Message) { m.From.Name = "Desk\nBcc: x@evil" },
		"to name":            func(m *Message) { m.To[0].Name = "A\r\nBcc: x@evil" },
		"to addr":            func(m *Message) { m.To[0].Addr = "a@example.net\r\nBcc: x@evil" },
		"cc addr":            func(m *Message) { m.Cc[0].Addr = "b@example.net\nX: y" },
		"reply-to":           func(m *Message) { m.ReplyTo.Name = "x\ny" },
		"header value":       func(m *Message) { m.Headers["X-Extra"] = "a\r\nBcc: x@evil" },
		"header name":        func(m *Message) { m.Headers["X-A\r\nBcc"] = "x" },
		"header name colon":  func(m *Message) { m.Headers["Bcc: x@evil\r\nX"] = "x" },
		"reserved header":    func(m *Message) { m.Headers["bcc"] = "x@evil" },
		"filename":           func(m *Message) { m.Attachments = []Attachment{{Filename: "a.txt\r\nBcc: x@evil"}} },
		"content type":       func(m *Message) { m.Attachments = []Attachment{{Filename: "a", ContentType: "text/plain\nX: y"}} },
		"message-id":         func(m *Message) { m.MessageID = "<a@b>\r\nBcc: x@evil" },
		"in-reply-to":        func(m *Message) { m.InReplyTo = "<a@b>\nBcc: x@evil" },
		"references":         func(m *Message) { m.References = []string{"<a@b>", "<c@d>\r\nBcc: x@evil"} },
		"bad address":        func(m *Message) { m.To[0].Addr = "not an address" },
		"two addresses":      func(m *Message) { m.To[0].Addr = "a@example.net>, <x@evil" },
		"no recipient":       func(m *Message) { m.To = nil },
		"no message-id":      func(m *Message) { m.MessageID = "" },
		"message-id no <>":   func(m *Message) { m.MessageID = "a@b" },
		"bad content type":   func(m *Message) { m.Attachments = []Attachment{{ContentType: "//"}} },
		"missing from":       func(m *Message) { m.From = Address{} },
		"header name spaces": func(m *Message) { m.Headers["X Y"] = "z" },
	} {
		t.Run(name, func(t *testing.T) {
			m := sampleMessage()
			mutate(&m)
			raw, err := Build(m)
			if !errors.Is(err, fault.ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
			if raw != nil {
				t.Fatalf("built %d bytes", len(raw))
			}
		})
	}
}

func TestTextToHTML(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"a", "<p>a</p>"},
		{"a\nb", "<p>a<br>\nb</p>"},
		{"a\n\n\n\nb", "<p>a</p>\n<p>b</p>"},
		{"<script>&", "<p>&lt;script&gt;&amp;</p>"},
		{"", ""},
	} {
		got := textToHTML(tc.in)
		inner := strings.TrimSuffix(strings.TrimPrefix(got,
			"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head><body>\n"), "</body></html>\n")
		if strings.TrimSuffix(inner, "\n") != tc.want {
			t.Errorf("textToHTML(%q) = %q, want %q", tc.in, inner, tc.want)
		}
	}
}

func TestFold(t *testing.T) {
	long := strings.Repeat("word ", 40)
	got := fold("Subject", strings.TrimSpace(long))
	for _, line := range strings.Split(got, "\r\n") {
		if len(line) > lineLen {
			t.Errorf("line of %d: %q", len(line), line)
		}
	}
	if unfolded := strings.ReplaceAll(got, "\r\n", ""); unfolded != "Subject: "+strings.TrimSpace(long) {
		t.Errorf("unfolding changes the value: %q", unfolded)
	}
}
