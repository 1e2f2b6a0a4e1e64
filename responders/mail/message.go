// Package mail writes frontdesk's outgoing mail (RFC 5322) and delivers it
// over SMTP.
//
// Build turns a Message into the bytes of an RFC 5322 message: a
// multipart/alternative text and HTML body, optionally wrapped in
// multipart/mixed with attachments. DKIM signs those bytes (RFC 6376) and a
// Sender delivers them with go-smtp's client, reusing one connection for a
// batch of replies.
package mail

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"mime"
	"net/mail"
	"sort"
	"strings"
	"time"

	"frontdesk/fault"
)

// maxReferences is how many message IDs the References header keeps.
const maxReferences = 20

// Message is one outgoing mail.
type Message struct {
	From    Address
	To, Cc  []Address
	ReplyTo *Address
	Subject string
	// Text is the body. The HTML alternative is made from it: escaped,
	// blank-line separated paragraphs, links left as text.
	Text string
	// MessageID is the Message-ID, with angle brackets, chosen (and
	// signed) by the caller.
	MessageID string
	// InReplyTo and References thread the reply (RFC 5322 §3.6.4).
	// References is capped to maxReferences IDs: the first and the last
	// ones. When References is empty and InReplyTo is set, References is
	// InReplyTo.
	InReplyTo  string
	References []string
	// Date defaults to the current time.
	Date time.Time
	// Headers are extra header fields, e.g. "Auto-Submitted: auto-replied"
	// and "X-Auto-Response-Suppress: All" on automatic replies (RFC 3834).
	// They may not replace the fields Build writes itself.
	Headers     map[string]string
	Attachments []Attachment
}

// Address is a mailbox: an optional display name and an addr-spec.
type Address struct{ Name, Addr string }

// Attachment is a file sent with a Message. ContentType defaults to
// application/octet-stream.
type Attachment struct {
	Filename, ContentType string
	Data                  []byte
}

// reserved are the header fields Build writes; Message.Headers may not set them.
var reserved = map[string]bool{
	"Date": true, "From": true, "Sender": true, "Reply-To": true, "To": true,
	"Cc": true, "Bcc": true, "Subject": true, "Message-Id": true,
	"In-Reply-To": true, "References": true, "Mime-Version": true,
	"Content-Type": true, "Content-Transfer-Encoding": true,
	"Dkim-Signature": true,
}

// invalid returns an error wrapping fault.ErrInvalid.
func invalid(format string, args ...any) error {
	return fmt.Errorf("build mail: %s: %w", fmt.Sprintf(format, args...), fault.ErrInvalid)
}

// Build returns the bytes of m as an RFC 5322 message with CRLF line endings.
// Any field value containing CR or LF, an unparsable address or a malformed
// message ID is refused with an error wrapping fault.ErrInvalid, and nothing
// is built: header fields cannot be injected.
func Build(m Message) ([]byte, error) {
	h := &header{}

	date := m.Date
	if date.IsZero() {
		date = time.Now()
	}
	h.add("Date", date.Format(time.RFC1123Z))

	from, err := formatAddress("from", m.From)
	if err != nil {
		return nil, err
	}
	h.add("From", from)
	if m.ReplyTo != nil {
		v, err := formatAddress("reply-to", *m.ReplyTo)
		if err != nil {
			return nil, err
		}
		h.add("Reply-To", v)
	}
	if len(m.To) == 0 {
		return nil, invalid("no recipient in To")
	}
	for _, f := range []struct {
		name string
		list []Address
	}{{"To", m.To}, {"Cc", m.Cc}} {
		if len(f.list) == 0 {
			continue
		}
		v, err := formatAddressList(f.name, f.list)
		if err != nil {
			return nil, err
		}
		h.add(f.name, v)
	}

	if hasCRLF(m.Subject) {
		return nil, invalid("subject contains a line break")
	}
	h.add("Subject", mime.QEncoding.Encode("utf-8", m.Subject))

	if err := checkMsgID("message-id", m.MessageID); err != nil {
		return nil, err
	}
	h.add("Message-ID", m.MessageID)

	// RFC 5322 §3.6.4: In-Reply-To names the parent, References the thread.
	refs := m.References
	if m.InReplyTo != "" {
		if err := checkMsgID("in-reply-to", m.InReplyTo); err != nil {
			return nil, err
		}
		h.add("In-Reply-To", m.InReplyTo)
		if len(refs) == 0 {
			refs = []string{m.InReplyTo}
		}
	}
	if len(refs) > 0 {
		for _, id := range refs {
			if err := checkMsgID("references", id); err != nil {
				return nil, err
			}
		}
		h.add("References", strings.Join(capReferences(refs), " "))
	}

	extra, err := extraHeaders(m.Headers)
	if err != nil {
		return nil, err
	}
	for _, f := range extra {
		h.add(f[0], f[1])
	}

	body, contentType, err := buildBody(m)
	if err != nil {
		return nil, err
	}
	h.add("MIME-Version", "1.0")
	h.add("Content-Type", contentType)

	var buf bytes.Buffer
	buf.Grow(len(body) + 1024)
	h.writeTo(&buf)
	buf.WriteString("\r\n")
	buf.Write(body)
	return buf.Bytes(), nil
}

// capReferences keeps the first ID and the last maxReferences-1 ones, so that
// the thread's root and its recent history survive (RFC 5322 §3.6.4 allows
// trimming; the root is what most clients thread by).
func capReferences(refs []string) []string {
	if len(refs) <= maxReferences {
		return refs
	}
	out := make([]string, 0, maxReferences)
	out = append(out, refs[0])
	return append(out, refs[len(refs)-(maxReferences-1):]...)
}

func hasCRLF(s string) bool { return strings.ContainsAny(s, "\r\n") }

// formatAddress validates a with net/mail and formats it, encoding a
// non-ASCII display name as an RFC 2047 encoded-word.
func formatAddress(field string, a Address) (string, error) {
	if hasCRLF(a.Name) || hasCRLF(a.Addr) {
		return "", invalid("%s address contains a line break", field)
	}
	if a.Addr == "" {
		return "", invalid("%s address is empty", field)
	}
	p, err := mail.ParseAddress("<" + a.Addr + ">")
	if err != nil || p.Address != a.Addr {
		return "", invalid("%s address %q is not an address", field, a.Addr)
	}
	return (&mail.Address{Name: a.Name, Address: a.Addr}).String(), nil
}

func formatAddressList(field string, list []Address) (string, error) {
	parts := make([]string, 0, len(list))
	for _, a := range list {
		v, err := formatAddress(strings.ToLower(field), a)
		if err != nil {
			return "", err
		}
		parts = append(parts, v)
	}
	return strings.Join(parts, ", "), nil
}

// checkMsgID accepts "<left@right>" without whitespace (RFC 5322 §3.6.4 msg-id).
func checkMsgID(field, id string) error {
	if hasCRLF(id) {
		return invalid("%s contains a line break", field)
	}
	if len(id) < 3 || id[0] != '<' || id[len(id)-1] != '>' ||
		strings.ContainsAny(id[1:len(id)-1], "<> \t") || !strings.Contains(id, "@") {
		return invalid("%s %q is not a message ID", field, id)
	}
	for i := 0; i < len(id); i++ {
		if id[i] < 33 || id[i] > 126 {
			return invalid("%s %q is not a message ID", field, id)
		}
	}
	return nil
}

// extraHeaders validates the caller's extra fields and returns them sorted
// by name, values RFC 2047 encoded where they are not ASCII.
func extraHeaders(m map[string]string) ([][2]string, error) {
	out := make([][2]string, 0, len(m))
	for name, value := range m {
		if name == "" || hasCRLF(name) || hasCRLF(value) {
			return nil, invalid("header %q contains a line break", name)
		}
		for i := 0; i < len(name); i++ {
			// RFC 5322 §3.6.8 ftext: printable ASCII except colon.
			if c := name[i]; c < 33 || c > 126 || c == ':' {
				return nil, invalid("header name %q", name)
			}
		}
		canon := canonicalKey(name)
		if reserved[canon] {
			return nil, invalid("header %q is written by Build", name)
		}
		out = append(out, [2]string{name, mime.QEncoding.Encode("utf-8", value)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out, nil
}

// canonicalKey is textproto's canonical form without its allocation rules.
func canonicalKey(s string) string {
	b := []byte(strings.ToLower(s))
	upper := true
	for i, c := range b {
		if upper && 'a' <= c && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
		upper = c == '-'
	}
	return string(b)
}

// randomBoundary returns a multipart boundary that cannot occur in
// quoted-printable or base64 content (it contains "=_").
func randomBoundary() string { return "=_fd" + rand.Text() }
