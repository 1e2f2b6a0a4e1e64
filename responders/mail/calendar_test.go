package mail

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"strings"
	"testing"
)

// An invitation's calendar goes into the multipart/alternative, where
// Outlook looks for it, and again as invite.ics, as Gmail sends it.
func TestInvitationInAlternative(t *testing.T) {
	ics := "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"
	raw, err := Build(Message{From: Address{Addr: "support@example.com"}, To: []Address{{Addr: "ann@example.org"}},
		Subject: "Re: Frame", Text: "See you.", MessageID: "<a@example.com>",
		Attachments: []Attachment{{Filename: "invite.ics", ContentType: "text/calendar; method=REQUEST; charset=UTF-8", Data: []byte(ics)}}})
	if err != nil {
		t.Fatal(err)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	mt, params, _ := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if mt != "multipart/mixed" {
		t.Fatalf("top %s", mt)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	alt, err := mr.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	amt, aparams, _ := mime.ParseMediaType(alt.Header.Get("Content-Type"))
	if amt != "multipart/alternative" {
		t.Fatalf("first part %s", amt)
	}
	ar := multipart.NewReader(alt, aparams["boundary"])
	var types []string
	var cal []byte
	for {
		p, err := ar.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		types = append(types, p.Header.Get("Content-Type"))
		if strings.HasPrefix(p.Header.Get("Content-Type"), "text/calendar") {
			cal, _ = io.ReadAll(p) // multipart decodes quoted-printable only: base64 stays
		}
	}
	if len(types) != 3 || types[2] != "text/calendar; charset=UTF-8; method=REQUEST" || len(cal) == 0 {
		t.Fatalf("alternative parts %q", types)
	}
	file, err := mr.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	if ct := file.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/ics") || file.FileName() != "invite.ics" {
		t.Fatalf("attachment %s %q", ct, file.FileName())
	}
	if _, err := mr.NextPart(); err != io.EOF {
		t.Fatalf("more parts than the alternative and invite.ics: %v", err)
	}
}
