package responders

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"

	"frontdesk/desk"
	"frontdesk/intake/mailparse"
	"frontdesk/ticket"
)

// A reply with a file, a copy and a blind copy goes through the outbox to
// the SMTP server as one mail: the file attached, Cc in the header, the
// blind copy a recipient of the transaction and nowhere in the mail.
func TestReplyMailCarriesFilesAndCopies(t *testing.T) {
	h := newHarness(t, options{workers: 1})
	ctx := context.Background()
	r, err := h.desk.Receive(ctx, customerMail("a1", "ann@example.org", "Invoice"))
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the acknowledgement", func() bool { return len(h.sink.Received()) == 1 })
	pdf := []byte("%PDF-1.4\n" + strings.Repeat("invoice line\n", 50))
	reply, err := h.desk.Reply(ctx, r.TicketID, desk.Answer{Text: "Your invoice is attached.", By: "bob",
		Cc: []string{"Carl Berg <carl@example.org>"}, Bcc: []string{"boss@example.org"},
		Attachments: []ticket.NewAttachment{{Filename: "invoice 553.pdf", ContentType: "application/pdf", Data: pdf}}})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the reply", func() bool { return len(h.sink.Received()) == 2 })
	got := h.sink.Received()[1]
	if want := []string{"ann@example.org", "carl@example.org", "boss@example.org"}; !slices.Equal(got.To, want) {
		t.Errorf("RCPT TO %v, want %v", got.To, want)
	}
	if bytes.Contains(bytes.ToLower(got.Data), []byte("bcc")) || bytes.Contains(got.Data, []byte("boss@example.org")) {
		t.Errorf("the mail names its blind copy:\n%s", got.Data)
	}
	m, err := mailparse.Parse(got.Data, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Cc) != 1 || m.Cc[0].Address != "carl@example.org" || m.Cc[0].Name != "Carl Berg" {
		t.Errorf("Cc %+v, want Carl Berg", m.Cc)
	}
	if len(m.Attachments) != 1 || m.Attachments[0].Filename != "invoice 553.pdf" || m.Attachments[0].ContentType != "application/pdf" ||
		!bytes.Equal(m.Attachments[0].Data, pdf) {
		t.Errorf("attachments %+v, want the invoice as sent", m.Attachments)
	}
	if !strings.Contains(m.Text, "Your invoice is attached.") || m.MessageID != reply.MessageID {
		t.Errorf("text %q, Message-ID %q", m.Text, m.MessageID)
	}
	waitFor(t, "the reply recorded as sent", func() bool {
		return h.message(t, r.TicketID, reply.ID).Delivery == ticket.DeliverySent
	})
	if s := h.message(t, r.TicketID, reply.ID); !slices.Equal(s.Bcc, []string{"boss@example.org"}) {
		t.Errorf("the stored reply's bcc %v, want the boss", s.Bcc)
	}
}

// A forward goes to the third party alone, with the message's file, under
// "Fwd:" and a Message-ID of the ticket's.
func TestForwardMail(t *testing.T) {
	h := newHarness(t, options{workers: 1})
	ctx := context.Background()
	nt := customerMail("f1", "ann@example.org", "Broken lamp")
	nt.Message.Attachments = []ticket.NewAttachment{{Filename: "photo.jpg", ContentType: "image/jpeg", Data: []byte("\xff\xd8JPEG")}}
	r, err := h.desk.Receive(ctx, nt)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the acknowledgement", func() bool { return len(h.sink.Received()) == 1 })
	fw, err := h.desk.Forward(ctx, r.TicketID, desk.Forwarding{To: []string{"claims@carrier.example"}, Text: "A claim, please.", MessageID: "m1", By: "bob"})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the forward", func() bool { return len(h.sink.Received()) == 2 })
	got := h.sink.Received()[1]
	if !slices.Equal(got.To, []string{"claims@carrier.example"}) {
		t.Errorf("RCPT TO %v, want the carrier alone", got.To)
	}
	m, err := mailparse.Parse(got.Data, nil)
	if err != nil {
		t.Fatal(err)
	}
	if m.Subject != "Fwd: Broken lamp [#"+r.TicketID+"]" || m.MessageID != fw.MessageID || m.InReplyTo != "" {
		t.Errorf("forward: subject %q, Message-ID %q (stored %q), In-Reply-To %q", m.Subject, m.MessageID, fw.MessageID, m.InReplyTo)
	}
	if len(m.Attachments) != 1 || m.Attachments[0].Filename != "photo.jpg" || string(m.Attachments[0].Data) != "\xff\xd8JPEG" {
		t.Errorf("forwarded files %+v", m.Attachments)
	}
	if !strings.Contains(m.Text, "A claim, please.") || !strings.Contains(m.Text, "Forwarded message") {
		t.Errorf("forward text %q", m.Text)
	}
}
