package mailparse

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func parseTestdata(t *testing.T, name string, opts *Options) *Mail {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	m, err := Parse(raw, opts)
	if err != nil {
		t.Fatalf("Parse %s: %v", name, err)
	}
	return m
}

func TestParseNotAMessage(t *testing.T) {
	for _, in := range []string{"", "   \r\n\n\t"} {
		if _, err := Parse([]byte(in), nil); !errors.Is(err, ErrNotMessage) {
			t.Errorf("Parse(%q) error = %v, want ErrNotMessage", in, err)
		}
	}
}

func TestSanitizer(t *testing.T) {
	m := parseTestdata(t, "xss.eml", nil)
	html := strings.ToLower(m.HTML)
	for _, bad := range []string{
		"<script", "alert(", "onload", "onclick", "onerror", "javascript:", "expression(",
		"<iframe", "<object", "<embed", "<form", "<input", "<svg", "<style", "data:text/html",
		` src="https://tracker.example`, "tracker.example/bg.png", "style=",
	} {
		if strings.Contains(html, bad) {
			t.Errorf("sanitized HTML contains %q:\n%s", bad, m.HTML)
		}
	}
	for _, good := range []string{
		`<img data-remote-src="https://tracker.example/pixel.gif" alt="logo"`,
		`<img src="cid:logo@example.com" alt="inline">`,
		`<a href="https://example.org/ok"`,
		`<p>Hello</p>`,
	} {
		if !strings.Contains(m.HTML, good) {
			t.Errorf("sanitized HTML lacks %q:\n%s", good, m.HTML)
		}
	}
	if !strings.Contains(m.Text, "Hello") {
		t.Errorf("text derived from HTML = %q", m.Text)
	}
}

func TestSanitizeImages(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`<img src="http://x.example/a.png">`, `<img data-remote-src="http://x.example/a.png">`},
		{`<img src="HTTPS://x.example/a.png" alt="a, b">`, `<img data-remote-src="https://x.example/a.png" alt="a, b">`},
		{`<img src="cid:part1@x">`, `<img src="cid:part1@x">`},
		{`<img src="data:image/png;base64,iVBORw0KGgo=">`, `<img src="data:image/png;base64,iVBORw0KGgo=">`},
		{`<img src="javascript:alert(1)">`, ``},
	} {
		if got := Sanitize(tc.in); got != tc.want {
			t.Errorf("Sanitize(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestCharsets(t *testing.T) {
	for _, tc := range []struct {
		file, subject, from, text string
		warn                      bool
	}{
		{"iso2022jp.eml", "お問い合わせ", "山田", "こんにちは、注文について質問があります。\n", false},
		{"gb2312.eml", "订单问题", "李明", "您好，我的订单还没有到。\n", false},
		{"cp1252-nocharset.eml", "Café", "Zoe", "Le café coûte 5 € – merci.\n", true},
	} {
		t.Run(tc.file, func(t *testing.T) {
			m := parseTestdata(t, tc.file, nil)
			if m.Subject != tc.subject {
				t.Errorf("subject = %q, want %q", m.Subject, tc.subject)
			}
			if m.From.Name != tc.from {
				t.Errorf("from name = %q, want %q", m.From.Name, tc.from)
			}
			if m.Text != tc.text {
				t.Errorf("text = %q, want %q", m.Text, tc.text)
			}
			if got := len(m.Warnings) > 0; got != tc.warn {
				t.Errorf("warnings = %q, want some: %v", m.Warnings, tc.warn)
			}
		})
	}
}

func TestDecodeText(t *testing.T) {
	for _, tc := range []struct {
		in, declared, want string
		html               bool
	}{
		{"plain", "", "plain", false},
		{"caf\xc3\xa9", "", "café", false},                             // undeclared UTF-8
		{"caf\xe9", "us-ascii", "café", false},                         // 8-bit in "us-ascii"
		{"caf\xe9", "utf-8", "café", false},                            // latin-1 declared utf-8
		{"caf\xe9", "iso-8859-1", "café", false},                       // declared
		{"\x80 caf\xc3\xa9 \xc3\xa8", "utf-8", "\uFFFD café è", false}, // mostly UTF-8
		{"caf\xe9", "x-no-such-charset", "café", false},
		{`<meta charset="iso-8859-15">caf` + "\xe9 \xa4", "", `<meta charset="iso-8859-15">café €`, true},
		{"\x1b$B$3$s$K$A$O\x1b(B", "", "こんにちは", false}, // undeclared ISO-2022-JP
	} {
		var w warnings
		if got, _ := decodeText([]byte(tc.in), tc.declared, tc.html, &w); got != tc.want {
			t.Errorf("decodeText(%q, %q) = %q, want %q", tc.in, tc.declared, got, tc.want)
		}
	}
}

func TestFilenames(t *testing.T) {
	m := parseTestdata(t, "rfc2231.eml", nil)
	want := []Attachment{
		{Filename: "Rechnung März.pdf", ContentType: "application/pdf", Size: 9},
		{Filename: "日本.txt", ContentType: "text/plain", Size: 5},
		{Filename: "café.png", ContentType: "image/png", Size: 8, Inline: true, ContentID: "img1@example.org"},
	}
	if len(m.Attachments) != len(want) {
		t.Fatalf("attachments = %+v", m.Attachments)
	}
	for i, w := range want {
		got := m.Attachments[i]
		if got.Filename != w.Filename || got.ContentType != w.ContentType || got.Size != w.Size ||
			got.Inline != w.Inline || got.ContentID != w.ContentID || int64(len(got.Data)) != got.Size {
			t.Errorf("attachment %d = %+v, want %+v", i, got, w)
		}
	}
	if m.Text != "See attached." {
		t.Errorf("text = %q", m.Text)
	}
}

func TestParseHeader(t *testing.T) {
	raw, err := os.ReadFile("testdata/vacation.eml")
	if err != nil {
		t.Fatal(err)
	}
	head, _ := splitHeader(raw)
	m, err := ParseHeader(head, 52_428_800, &Options{MaxSize: 26_214_400})
	if err != nil {
		t.Fatal(err)
	}
	const note = "This message (52428800 bytes) exceeded the size limit; its body and attachments were not imported."
	if m.Text != note {
		t.Errorf("text = %q", m.Text)
	}
	if m.Subject != "Automatic reply: Your ticket [#12]" || m.From.Address != "bob@example.net" || m.MessageID != "<oof@example.net>" {
		t.Errorf("header fields: %+v", m)
	}
	if m.Kind != KindAutoReply || !m.AutoSubmitted {
		t.Errorf("kind = %s, auto-submitted %v", m.Kind, m.AutoSubmitted)
	}
	if len(m.Warnings) != 1 || !strings.Contains(m.Warnings[0], "size limit of 26214400 bytes") {
		t.Errorf("warnings = %q", m.Warnings)
	}
	if len(m.Attachments) != 0 || m.HTML != "" {
		t.Errorf("body read from a header: %+v", m)
	}
	if _, err := ParseHeader(nil, 10, nil); !errors.Is(err, ErrNotMessage) {
		t.Errorf("ParseHeader(nil) error = %v", err)
	}
}

func TestClassify(t *testing.T) {
	const body = "\r\n\r\nHello.\r\n"
	for _, tc := range []struct {
		name, header  string
		kind          string
		list, autoSub bool
	}{
		{"plain", "From: a@example.org\r\nSubject: Order 553 arrived broken", KindNormal, false, false},
		{"rfc3834 auto-replied", "From: a@example.org\r\nAuto-Submitted: auto-replied\r\nSubject: Re: x", KindAutoReply, false, true},
		{"rfc3834 auto-generated", "From: a@example.org\r\nAuto-Submitted: auto-generated\r\nSubject: x", KindAutoReply, false, true},
		{"rfc3834 no", "From: a@example.org\r\nAuto-Submitted: no\r\nSubject: x", KindNormal, false, false},
		{"x-autoreply", "From: a@example.org\r\nX-Autoreply: yes\r\nSubject: x", KindAutoReply, false, true},
		{"x-autorespond", "From: a@example.org\r\nX-Autorespond: on\r\nSubject: x", KindAutoReply, false, true},
		{"precedence auto_reply", "From: a@example.org\r\nPrecedence: auto_reply\r\nSubject: x", KindAutoReply, false, true},
		{"precedence bulk", "From: a@example.org\r\nPrecedence: bulk\r\nSubject: x", KindAutoReply, false, true},
		{"precedence list", "From: a@example.org\r\nPrecedence: list\r\nSubject: x", KindNormal, false, true},
		{"outlook automatic reply", "From: a@example.org\r\nSubject: Automatic reply: Order", KindAutoReply, false, true},
		{"swedish autosvar", "From: a@example.org\r\nSubject: Autosvar: Order", KindAutoReply, false, true},
		{"out of office alone", "From: a@example.org\r\nSubject: Out of office tomorrow?", KindNormal, false, false},
		{"out of office with exchange sign", "From: a@example.org\r\nX-Auto-Response-Suppress: All\r\nSubject: I am out of office", KindAutoReply, false, true},
		{"x-auto-response-suppress alone", "From: a@example.org\r\nX-Auto-Response-Suppress: All\r\nSubject: Invoice", KindNormal, false, false},
		{"mailer-daemon", "From: MAILER-DAEMON@mx.example.org\r\nSubject: Warning", KindBounce, false, true},
		{"postfix subject", "From: a@example.org\r\nSubject: Undelivered Mail Returned to Sender", KindBounce, false, true},
		{"exchange undeliverable", "From: a@example.org\r\nSubject: Undeliverable: Order", KindBounce, false, true},
		{"gmail dsn", "From: a@example.org\r\nSubject: Delivery Status Notification (Failure)", KindBounce, false, true},
		{"exim", "From: a@example.org\r\nX-Failed-Recipients: b@example.net\r\nSubject: x", KindBounce, false, true},
		{"bounce wins over auto-reply", "From: a@example.org\r\nAuto-Submitted: auto-replied\r\nSubject: Mail delivery failed: returning message to sender", KindBounce, false, true},
		{"null return path alone", "Return-Path: <>\r\nFrom: a@example.org\r\nSubject: Hello", KindNormal, false, true},
		{"null return path and failure", "Return-Path: <>\r\nFrom: a@example.org\r\nSubject: your mail could not be delivered", KindBounce, false, true},
		{"vacation with null return path", "Return-Path: <>\r\nFrom: a@example.org\r\nAuto-Submitted: auto-replied\r\nSubject: away, mail not read; it could not be delivered", KindAutoReply, false, true},
		{"list-id", "From: a@example.org\r\nList-Id: <x.example.org>\r\nSubject: x", KindNormal, true, true},
		{"list-unsubscribe", "From: a@example.org\r\nList-Unsubscribe: <mailto:u@example.org>\r\nSubject: x", KindNormal, true, true},
		{"read receipt", "From: a@example.org\r\nContent-Type: multipart/report; report-type=disposition-notification; boundary=x\r\nSubject: Read: x", KindAutoReply, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Parse([]byte(tc.header+body), nil)
			if err != nil {
				t.Fatal(err)
			}
			if m.Kind != tc.kind || m.List != tc.list || m.AutoSubmitted != tc.autoSub {
				t.Errorf("kind %s list %v auto-submitted %v, want %s %v %v", m.Kind, m.List, m.AutoSubmitted, tc.kind, tc.list, tc.autoSub)
			}
		})
	}
}

func TestBounceDetails(t *testing.T) {
	m := parseTestdata(t, "dsn.eml", nil)
	if m.Kind != KindBounce {
		t.Fatalf("kind = %s", m.Kind)
	}
	if !slices.Equal(m.BounceOf, []string{"<reply-42@example.com>"}) {
		t.Errorf("BounceOf = %q", m.BounceOf)
	}
	const reason = "5.1.1 (smtp; 550 5.1.1 <nobody@example.net>: Recipient address rejected: User unknown)"
	if m.BounceReason != reason {
		t.Errorf("BounceReason = %q, want %q", m.BounceReason, reason)
	}
	if m.ReturnPath != "<>" || !m.AutoSubmitted {
		t.Errorf("ReturnPath %q AutoSubmitted %v", m.ReturnPath, m.AutoSubmitted)
	}

	// A non-standard bounce quoting the original's header in its body.
	raw := "From: MAILER-DAEMON@old.example\r\nSubject: failure notice\r\n\r\n" +
		"Sorry, I couldn't deliver.\r\n--- Below this line is a copy of the message.\r\n\r\n" +
		"Message-ID: <orig-7@example.com>\r\nSubject: hi\r\n"
	m, err := Parse([]byte(raw), nil)
	if err != nil {
		t.Fatal(err)
	}
	if m.Kind != KindBounce || !slices.Equal(m.BounceOf, []string{"<orig-7@example.com>"}) {
		t.Errorf("kind %s BounceOf %q", m.Kind, m.BounceOf)
	}
}

func TestFax(t *testing.T) {
	opts := &Options{FaxSenders: []string{"*@fax.example.net", "scanner@office.example"}}
	for addr, want := range map[string]bool{
		"12345@FAX.example.net":  true,
		"scanner@office.example": true,
		"ann@example.net":        false,
	} {
		m, err := Parse([]byte("From: "+addr+"\r\nSubject: fax\r\n\r\npage\r\n"), opts)
		if err != nil {
			t.Fatal(err)
		}
		if m.Fax != want {
			t.Errorf("%s: fax = %v, want %v", addr, m.Fax, want)
		}
	}
}

func TestMalformedStillParses(t *testing.T) {
	m := parseTestdata(t, "malformed.eml", nil)
	if m.Subject != "half a message" || !strings.Contains(m.Text, "Hello world") {
		t.Errorf("subject %q text %q", m.Subject, m.Text)
	}
	if len(m.Warnings) == 0 {
		t.Error("no warnings for a malformed message")
	}
}

func TestLineEndings(t *testing.T) {
	lf := "From: Ann <ann@example.org>\nSubject: Hi\nMessage-ID: <1@x>\n\nBody\n"
	for name, raw := range map[string]string{
		"lf":   lf,
		"crlf": strings.ReplaceAll(lf, "\n", "\r\n"),
		"cr":   strings.ReplaceAll(lf, "\n", "\r"),
		"mbox": "From ann@example.org Mon Jan  1 00:00:00 2026\n" + lf,
	} {
		m, err := Parse([]byte(raw), nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if m.Subject != "Hi" || m.From.Address != "ann@example.org" || strings.TrimSpace(m.Text) != "Body" || m.MessageID != "<1@x>" {
			t.Errorf("%s: %+v", name, m)
		}
	}
}

func TestInspectJSON(t *testing.T) {
	m, err := Parse([]byte("From: a@example.org\r\nSubject: x\r\n\r\nhi\r\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	out, err := m.InspectJSON()
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	keys := []string{"message_id", "in_reply_to", "references", "subject", "date", "from", "to", "cc",
		"text", "html", "attachments", "kind", "list", "fax", "warnings"}
	if len(got) != len(keys) {
		t.Errorf("keys = %v", got)
	}
	for _, k := range keys {
		if _, ok := got[k]; !ok {
			t.Errorf("key %q missing", k)
		}
	}
	for _, k := range []string{"references", "to", "cc", "attachments", "warnings"} {
		if _, ok := got[k].([]any); !ok {
			t.Errorf("%s = %v, want []", k, got[k])
		}
	}
	if got["date"] != "" || got["kind"] != "normal" {
		t.Errorf("date %v kind %v", got["date"], got["kind"])
	}
	if !strings.HasPrefix(string(out), "{\n  \"message_id\"") {
		t.Errorf("not indented by two spaces:\n%s", out)
	}

	m = parseTestdata(t, "dsn.eml", nil)
	out, err = m.InspectJSON()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), `"message_id": "<dsn1@mx.example.net>"`) {
		t.Errorf("message id escaped or missing:\n%s", out)
	}
}

// A malformed Message-ID is dropped with a warning (and never reaches a
// reply's threading headers); one that only lacks its brackets gets them.
func TestMalformedMessageIDs(t *testing.T) {
	for _, c := range []struct{ header, want string }{
		{"Message-ID: noat", ""},
		{"Message-ID: <jörg@example.org>", ""},
		{"Message-ID: <a b@example.org>", ""},
		{"Message-ID: abc@example.org", "<abc@example.org>"},
		{"Message-ID: <ok@example.org>", "<ok@example.org>"},
	} {
		raw := "From: ann@example.org\r\nSubject: x\r\n" + c.header + "\r\nIn-Reply-To: noat\r\nReferences: <jörg@x> <fine@example.org>\r\n\r\nbody\r\n"
		m, err := Parse([]byte(raw), nil)
		if err != nil {
			t.Fatal(err)
		}
		if m.MessageID != c.want {
			t.Errorf("%s: MessageID = %q, want %q", c.header, m.MessageID, c.want)
		}
		if c.want == "" && !strings.Contains(strings.Join(m.Warnings, " "), "malformed") {
			t.Errorf("%s: no warning in %q", c.header, m.Warnings)
		}
		if m.InReplyTo != "" || strings.Join(m.References, " ") != "<fine@example.org>" {
			t.Errorf("%s: in reply to %q, references %q", c.header, m.InReplyTo, m.References)
		}
	}
}
