package mailparse

import (
	"bufio"
	"bytes"
	"regexp"
	"strings"

	"github.com/jhillyerd/enmime/v2"
)

// bodyMessageIDRE finds a Message-ID line quoted in the body of a
// non-standard bounce (qmail, old Sendmail, Exchange …).
var bodyMessageIDRE = regexp.MustCompile(`(?im)^[ \t>]*Message-ID:[ \t]*\n?[ \t]*(<[^<>\s]+>)`)

// smtpReplyLineRE finds a line with an SMTP reply or enhanced status code
// (RFC 5321 §4.2, RFC 3463).
var smtpReplyLineRE = regexp.MustCompile(`(?m)^.*\b([45]\d\d[ -]|[45]\.\d{1,3}\.\d{1,3}\b).*$`)

// bounceDetails finds the Message-IDs of the bounced message and the reason.
func bounceDetails(m *Mail, b *bodyParts) (of []string, reason string) {
	seen := make(map[string]bool)
	addID := func(id string) {
		if id != "" && !seen[id] && id != m.MessageID {
			seen[id] = true
			of = append(of, id)
		}
	}
	for _, p := range b.leaves {
		switch ct := p.ContentType; {
		case ct == "message/delivery-status" || ct == "message/global-delivery-status":
			if reason == "" {
				reason = dsnReason(p.Content)
			}
		case ct == "text/rfc822-headers" || strings.HasPrefix(ct, "message/") &&
			ct != "message/feedback-report" && ct != "message/disposition-notification":
			// RFC 3464 §2: the third part returns the original
			// message (message/rfc822, message/global …) or its
			// header (text/rfc822-headers, RFC 6522 §4).
			addID(embeddedMessageID(p.Content))
		}
	}
	if len(of) == 0 {
		for _, mm := range bodyMessageIDRE.FindAllStringSubmatch(m.Text, -1) {
			addID(mm[1])
		}
		for _, a := range b.attachments {
			if strings.HasPrefix(a.ContentType, "text/") && a.Size < 1<<20 {
				for _, mm := range bodyMessageIDRE.FindAllStringSubmatch(string(a.Data), -1) {
					addID(mm[1])
				}
			}
		}
	}
	if len(of) == 0 {
		addID(m.InReplyTo)
		for _, id := range m.References {
			addID(id)
		}
	}
	if reason == "" {
		if l := smtpReplyLineRE.FindString(firstChars(m.Text, 8000)); l != "" {
			reason = strings.TrimSpace(l)
		}
	}
	return of, reason
}

// embeddedMessageID reads the Message-ID of an embedded message or header.
func embeddedMessageID(raw []byte) string {
	head, _ := splitHeader(raw)
	var hw headerWarnings
	h, err := enmime.ReadHeader(bufio.NewReader(bytes.NewReader(head)), &hw)
	if err == nil {
		if id := firstMsgID(h.Get("Message-Id")); id != "" {
			return id
		}
	}
	if mm := bodyMessageIDRE.FindSubmatch(raw); mm != nil {
		return string(mm[1])
	}
	return ""
}

// dsnReason reads a message/delivery-status body (RFC 3464 §2.1): a
// per-message block, then one block per recipient. It returns the Status
// and Diagnostic-Code of the first recipient whose Action is failed (or of
// the first recipient), as "5.1.1 (smtp; 550 5.1.1 user unknown)".
func dsnReason(raw []byte) string {
	raw = bytes.ReplaceAll(raw, []byte("\r\n"), []byte("\n"))
	var first string
	for _, block := range bytes.Split(raw, []byte("\n\n")) {
		block = bytes.TrimSpace(block)
		if len(block) == 0 {
			continue
		}
		var hw headerWarnings
		h, err := enmime.ReadHeader(bufio.NewReader(bytes.NewReader(append(block, "\n\n"...))), &hw)
		if err != nil && len(h) == 0 {
			continue
		}
		status := strings.TrimSpace(h.Get("Status"))
		diag := strings.Join(strings.Fields(h.Get("Diagnostic-Code")), " ")
		if status == "" && diag == "" {
			continue
		}
		r := status
		if diag != "" {
			if r != "" {
				r += " (" + diag + ")"
			} else {
				r = diag
			}
		}
		if strings.EqualFold(strings.TrimSpace(h.Get("Action")), "failed") {
			return r
		}
		if first == "" {
			first = r
		}
	}
	return first
}
