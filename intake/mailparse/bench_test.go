package mailparse

import (
	"fmt"
	"strings"
	"testing"
)

// benchMail builds a realistic mail of about 8 KB: a reply in
// multipart/alternative, quoted-printable text and HTML with non-ASCII text.
func benchMail() []byte {
	var text, html strings.Builder
	for i := 0; len(text.String()) < 2500; i++ {
		fmt.Fprintf(&text, "> Line %d of the earlier message, about order 553 and its d=C3=A9livery.=\r\n  Regards, Ann\r\n", i)
	}
	for i := 0; len(html.String()) < 4000; i++ {
		fmt.Fprintf(&html, "<p style=3D\"margin:0\">Paragraph %d about the order, <b>caf=C3=A9</b> and <a href=3D\"https://shop.example/o/553\">a link</a>.</p>\r\n", i)
	}
	return []byte("Return-Path: <ann@example.org>\r\n" +
		"Received: from mx.example.org (mx.example.org [192.0.2.1]) by imap.example.com with ESMTPS id abc; Tue, 3 Nov 2026 10:00:00 +0000\r\n" +
		"From: =?utf-8?q?Ann_L=C3=A9e?= <ann@example.org>\r\n" +
		"To: Support <support@example.com>\r\n" +
		"Cc: bob@example.org\r\n" +
		"Subject: =?utf-8?q?Re=3A_Order_553_arriv=C3=A9_broken?=\r\n" +
		"Date: Tue, 3 Nov 2026 10:00:00 +0000\r\n" +
		"Message-ID: <bench-1@example.org>\r\n" +
		"In-Reply-To: <ack-553@example.com>\r\n" +
		"References: <order-553@example.org> <ack-553@example.com>\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: multipart/alternative; boundary=\"alt-boundary\"\r\n" +
		"\r\n" +
		"--alt-boundary\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n" +
		"Content-Transfer-Encoding: quoted-printable\r\n\r\n" +
		text.String() + "\r\n" +
		"--alt-boundary\r\n" +
		"Content-Type: text/html; charset=utf-8\r\n" +
		"Content-Transfer-Encoding: quoted-printable\r\n\r\n" +
		"<html><body>\r\n" + html.String() + "<img src=3D\"https://shop.example/logo.png\" alt=3D\"logo\"></body></html>\r\n" +
		"--alt-boundary--\r\n")
}

func BenchmarkParse8KB(b *testing.B) {
	raw := benchMail()
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(raw, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "mails/s")
}

func benchmarkParse(b *testing.B, raw []byte) {
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(raw, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseNested5000 parses a 0.4 MB mail nested 5,000 multipart
// levels deep, all closed, as the security review measured it (26 s before
// the limits).
func BenchmarkParseNested5000(b *testing.B) { benchmarkParse(b, nestedMail(5000, true)) }

// BenchmarkParseNested5000Unclosed parses the same mail with no boundary
// closed; enmime's cost for it doubled with every level.
func BenchmarkParseNested5000Unclosed(b *testing.B) { benchmarkParse(b, nestedMail(5000, false)) }

// BenchmarkParse100000Parts parses a 9 MB mail of 100,000 parts.
func BenchmarkParse100000Parts(b *testing.B) { benchmarkParse(b, manyPartsMail(100_000)) }

// BenchmarkParse25MBDeep parses a mail at the size cap whose attachment lies
// MaxDepth levels deep, where every byte used to pass MaxDepth readers.
func BenchmarkParse25MBDeep(b *testing.B) { benchmarkParse(b, deepMail(MaxDepth, 25_000_000)) }
