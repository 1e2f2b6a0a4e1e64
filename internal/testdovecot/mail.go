package testdovecot

import (
	"bytes"
	"fmt"
	"mime"
	"time"
)

// customers are the senders of test mails, in turn.
var customers = []struct{ name, addr string }{
	{"Ann Lee", "ann.lee@example.org"},
	{"Bob Kowalski", "bob@kowalski.example.net"},
	{"Chloé Martin", "chloe.martin@example.fr"},
	{"Dev Patel", "dev.patel@example.co.uk"},
	{"Eva Nowak", "eva@nowak.example.pl"},
}

var bodyLines = []string{
	"Hello,",
	"",
	"the parcel arrived yesterday, but the box was crushed and the lamp inside is broken.",
	"I have attached nothing yet; I can send photos if you need them.",
	"Could you send a replacement, or refund the order? The order number is in the subject.",
	"Thank you in advance for your help.",
	"",
}

// MessageID is the Message-ID (with <>) of mail n made by Mail.
func MessageID(n int) string {
	return fmt.Sprintf("<20261127.%07d.test@mail.example.org>", n)
}

// Mail makes mail n: an RFC 5322 plain-text message of about size bytes
// with the headers a real mail has (Received, From, To, Subject, Date,
// Message-ID, MIME) and a Message-ID of its own, MessageID(n).
func Mail(n, size int) []byte {
	c := customers[n%len(customers)]
	date := time.Date(2026, 11, 27, 9, 15, 2, 0, time.UTC).Add(time.Duration(n) * time.Second)
	var b bytes.Buffer
	fmt.Fprintf(&b, "Return-Path: <%s>\r\n", c.addr)
	fmt.Fprintf(&b, "Received: from mx.example.org (mx.example.org [192.0.2.10])\r\n"+
		"\tby mail.example.com with ESMTPS id t%07d\r\n\tfor <support@example.com>; %s\r\n", n, date.Format(time.RFC1123Z))
	fmt.Fprintf(&b, "From: %s <%s>\r\n", mime.QEncoding.Encode("utf-8", c.name), c.addr)
	b.WriteString("To: Support <support@example.com>\r\n")
	fmt.Fprintf(&b, "Subject: Order %d: parcel arrived broken\r\n", 100000+n)
	fmt.Fprintf(&b, "Date: %s\r\n", date.Format(time.RFC1123Z))
	fmt.Fprintf(&b, "Message-ID: %s\r\n", MessageID(n))
	b.WriteString("MIME-Version: 1.0\r\n")
	b.WriteString("Content-Type: text/plain; charset=utf-8\r\n")
	b.WriteString("Content-Transfer-Encoding: 8bit\r\n")
	b.WriteString("User-Agent: Mozilla/5.0 Thunderbird/128.5.0\r\n")
	b.WriteString("\r\n")
	for i := 0; b.Len() < size; i++ {
		b.WriteString(bodyLines[i%len(bodyLines)])
		b.WriteString("\r\n")
	}
	fmt.Fprintf(&b, "-- \r\n%s\r\n", c.name)
	return b.Bytes()
}
