package mailparse

import (
	"bufio"
	"bytes"
	"regexp"
	"strconv"
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
func bounceDetails(m *Mail, b *bodyParts) (of []string, reason, outcome string) {
	outcome = DeliveryFailed
	var envelope string // the report's Original-Envelope-Id as a Message-ID
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
				var envID string
				reason, outcome, envID = dsnReport(p.Content)
				// RFC 3464 §2.2.1: the ENVID the sender gave, which
				// frontdesk makes of the Message-ID.
				if envID != "" && !strings.ContainsAny(envID, "<> \t") {
					envelope = "<" + envID + ">"
				}
			}
		case ct == "text/rfc822-headers" || strings.HasPrefix(ct, "message/") &&
			ct != "message/feedback-report" && ct != "message/disposition-notification":
			// RFC 3464 §2: the third part returns the original
			// message (message/rfc822, message/global …) or its
			// header (text/rfc822-headers, RFC 6522 §4).
			addID(embeddedMessageID(p.Content))
		}
	}
	addID(envelope)
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
	return of, reason, outcome
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

// dsnReport reads a message/delivery-status body (RFC 3464 §2.1): a
// per-message block, then one block per recipient. It returns the Status
// and Diagnostic-Code of the first recipient whose Action is failed (or of
// the first recipient), as "5.1.1 (smtp; 550 5.1.1 user unknown)"; the
// outcome (DeliveryDelivered when every recipient's Action is delivered,
// relayed or expanded, DeliveryDelayed when none failed and one is delayed,
// else DeliveryFailed); and the Original-Envelope-Id (§2.2.1), xtext-decoded.
func dsnReport(raw []byte) (reason, outcome, envID string) {
	raw = bytes.ReplaceAll(raw, []byte("\r\n"), []byte("\n"))
	var first string
	var failed string
	actions := map[string]int{}
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
		if id := strings.TrimSpace(h.Get("Original-Envelope-Id")); id != "" && envID == "" {
			envID = xtextDecode(id)
		}
		action := strings.ToLower(strings.TrimSpace(h.Get("Action")))
		if action != "" {
			actions[action]++
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
		if action == "failed" && failed == "" {
			failed = r
		}
		if first == "" {
			first = r
		}
	}
	reason = first
	if failed != "" {
		reason = failed
	}
	good := actions["delivered"] + actions["relayed"] + actions["expanded"]
	switch {
	case actions["failed"] > 0 || len(actions) == 0:
		outcome = DeliveryFailed
	case actions["delayed"] > 0:
		outcome = DeliveryDelayed
	case good > 0:
		outcome = DeliveryDelivered
	default:
		outcome = DeliveryFailed
	}
	return reason, outcome, envID
}

// xtextDecode undoes RFC 3461 §4's xtext: "+HH" is the byte HH.
func xtextDecode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '+' && i+2 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
				b.WriteByte(byte(v))
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
