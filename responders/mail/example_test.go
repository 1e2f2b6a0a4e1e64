package mail_test

import (
	"fmt"
	"strings"
	"time"

	"frontdesk/responders/mail"
)

// An automatic acknowledgement, marked as such for RFC 3834.
func ExampleBuild() {
	raw, err := mail.Build(mail.Message{
		From:      mail.Address{Name: "Support", Addr: "support@example.com"},
		To:        []mail.Address{{Name: "Zoë", Addr: "zoe@example.net"}},
		Subject:   "Re: Where is my order?",
		Text:      "We have your message and answer within 4 hours.",
		MessageID: "<t1.ack@desk.example.com>",
		InReplyTo: "<abc@example.net>",
		Date:      time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC),
		Headers:   map[string]string{"Auto-Submitted": "auto-replied"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	head, _, _ := strings.Cut(string(raw), "\r\n\r\n")
	for _, line := range strings.Split(head, "\r\n") {
		if !strings.HasPrefix(line, "Content-Type") {
			fmt.Println(line)
		}
	}
	// Output:
	// Date: Sun, 01 Mar 2026 10:00:00 +0000
	// From: "Support" <support@example.com>
	// To: =?utf-8?q?Zo=C3=AB?= <zoe@example.net>
	// Subject: Re: Where is my order?
	// Message-ID: <t1.ack@desk.example.com>
	// In-Reply-To: <abc@example.net>
	// References: <abc@example.net>
	// Auto-Submitted: auto-replied
	// MIME-Version: 1.0
}
