package mailparse

import (
	"slices"
	"strings"
	"testing"
)

// dsnMail is a delivery report (RFC 3464) with the given per-recipient
// blocks and an optional returned header.
func dsnMail(envID string, recipients []string, header string) []byte {
	var b strings.Builder
	b.WriteString("Return-Path: <>\r\nFrom: Mail Delivery System <MAILER-DAEMON@mx.example.net>\r\n" +
		"To: support@example.com\r\nSubject: Delivery Status Notification\r\nMessage-ID: <report@mx.example.net>\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"R\"\r\n\r\n" +
		"--R\r\nContent-Type: text/plain\r\n\r\nA report.\r\n--R\r\nContent-Type: message/delivery-status\r\n\r\n" +
		"Reporting-MTA: dns; mx.example.net\r\n")
	if envID != "" {
		b.WriteString("Original-Envelope-Id: " + envID + "\r\n")
	}
	for _, r := range recipients {
		b.WriteString("\r\n" + r + "\r\n")
	}
	if header != "" {
		b.WriteString("--R\r\nContent-Type: text/rfc822-headers\r\n\r\n" + header + "\r\n")
	}
	b.WriteString("--R--\r\n")
	return []byte(b.String())
}

// A delivery report's outcome follows its recipients' Action fields (RFC
// 3464 §2.3.3); its Original-Envelope-Id, frontdesk's Message-ID, names the
// message also when the report returns no header.
func TestDeliveryReportOutcome(t *testing.T) {
	delivered := "Final-Recipient: rfc822; ann@example.net\r\nAction: delivered\r\nStatus: 2.0.0\r\nDiagnostic-Code: smtp; 250 2.0.0 Ok: queued"
	relayed := "Final-Recipient: rfc822; bob@example.net\r\nAction: relayed\r\nStatus: 2.0.0"
	failed := "Final-Recipient: rfc822; nobody@example.net\r\nAction: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 user unknown"
	delayed := "Final-Recipient: rfc822; slow@example.net\r\nAction: delayed\r\nStatus: 4.4.1"
	for _, tc := range []struct {
		name       string
		envID      string
		recipients []string
		header     string
		outcome    string
		reason     string
		of         []string
	}{
		{"success by envelope id", "T-1.m2.abc+2Bx@desk.example.com", []string{delivered}, "",
			DeliveryDelivered, "2.0.0 (smtp; 250 2.0.0 Ok: queued)", []string{"<T-1.m2.abc+x@desk.example.com>"}},
		{"success, relayed too", "", []string{delivered, relayed}, "Message-ID: <r1@desk.example.com>",
			DeliveryDelivered, "2.0.0 (smtp; 250 2.0.0 Ok: queued)", []string{"<r1@desk.example.com>"}},
		{"one failed of two", "e1@desk.example.com", []string{delivered, failed}, "Message-ID: <r2@desk.example.com>",
			DeliveryFailed, "5.1.1 (smtp; 550 5.1.1 user unknown)", []string{"<r2@desk.example.com>", "<e1@desk.example.com>"}},
		{"delayed", "", []string{delayed}, "Message-ID: <r3@desk.example.com>",
			DeliveryDelayed, "4.4.1", []string{"<r3@desk.example.com>"}},
		{"no action", "", []string{"Final-Recipient: rfc822; x@example.net\r\nStatus: 5.0.0"}, "Message-ID: <r4@desk.example.com>",
			DeliveryFailed, "5.0.0", []string{"<r4@desk.example.com>"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Parse(dsnMail(tc.envID, tc.recipients, tc.header), nil)
			if err != nil {
				t.Fatal(err)
			}
			if m.Kind != KindBounce {
				t.Fatalf("kind %q, want bounce", m.Kind)
			}
			if m.BounceOutcome != tc.outcome || m.BounceReason != tc.reason {
				t.Errorf("outcome %q reason %q, want %q %q", m.BounceOutcome, m.BounceReason, tc.outcome, tc.reason)
			}
			if !slices.Equal(m.BounceOf, tc.of) {
				t.Errorf("BounceOf %q, want %q", m.BounceOf, tc.of)
			}
		})
	}
}
