package desk

import (
	"context"
	"errors"
	"strings"
	"testing"

	"frontdesk/fault"
	"frontdesk/ticket"
)

const faxAPI = `
fax:
  outbound: {api_url: "https://fax.example.com", account_sid: AC1, auth_token: tok, from: "+15555550199"}
`

// faxIn is a fax received from the number, as phone intake stores it.
func faxIn(src, number string) ticket.NewTicket {
	return ticket.NewTicket{Channel: ticket.ChannelFax, Queue: "support", Subject: "Fax from " + number,
		Customer: ticket.Customer{Phone: number},
		Message: ticket.NewMessage{SourceKey: src, Channel: ticket.ChannelFax, Kind: ticket.KindFax, From: number,
			To: []string{"+15555550100"}, Text: "Fax of 1 page"}}
}

func pdfFile(name string) []ticket.NewAttachment {
	return []ticket.NewAttachment{{Filename: name, Data: []byte("%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF\n")}}
}

// A reply on a fax ticket is a fax of its PDF to the sender's number, from
// fax.outbound.from; what a fax cannot carry is refused, naming why.
func TestFaxReplyIsAFax(t *testing.T) {
	d := newTestDesk(t, faxAPI)
	ctx := context.Background()
	r := d.receive(t, faxIn("fax-1", "+31201234567"))
	if how, to, err := d.ReplyChannel(d.get(t, r.TicketID)); how != "fax" || to != "+31201234567" || err != nil {
		t.Fatalf("ReplyChannel = %q %q %v", how, to, err)
	}
	for _, tc := range []struct {
		a    Answer
		want string
	}{
		{Answer{Text: "See the form."}, "by fax, which is sent from a PDF: attach one"},
		{Answer{Attachments: append(pdfFile("a.pdf"), pdfFile("b.pdf")...)}, "a fax is one PDF; put the 2 files into one"},
		{Answer{Attachments: []ticket.NewAttachment{{Filename: "notes.txt", Data: []byte("hello")}}}, "attachments[0] (notes.txt): a fax is sent from a PDF"},
		{Answer{Attachments: []ticket.NewAttachment{{Filename: "fake.pdf", Data: []byte("<html>")}}}, "attachments[0] (fake.pdf): a fax is sent from a PDF"},
		{Answer{Attachments: pdfFile("a.pdf"), Cc: []string{"carl@example.org"}}, "by fax, which has no copies"},
	} {
		tc.a.By = "bob"
		if _, err := d.Reply(ctx, r.TicketID, tc.a); !errors.Is(err, fault.ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("reply %+v: %v, want invalid saying %q", tc.a, err, tc.want)
		}
	}
	if out := outbound(d.get(t, r.TicketID)); len(out) != 0 {
		t.Fatalf("refused faxes were stored: %+v", out)
	}
	m, err := d.Reply(ctx, r.TicketID, Answer{Attachments: pdfFile("signed form.pdf"), By: "bob"})
	if err != nil {
		t.Fatal(err)
	}
	if m.Channel != ticket.ChannelFax || m.Direction != ticket.DirectionOut || m.From != "+15555550199" ||
		strings.Join(m.To, ",") != "+31201234567" || m.Delivery != ticket.DeliveryQueued {
		t.Errorf("fax reply = %+v", m)
	}
	if len(m.Attachments) != 1 || m.Attachments[0].ContentType != "application/pdf" || m.Attachments[0].Filename != "signed form.pdf" {
		t.Errorf("fax reply's file = %+v", m.Attachments)
	}
	if tk := d.get(t, r.TicketID); tk.Status != ticket.StatusPending || tk.Assignee != "bob" {
		t.Errorf("after the fax the ticket is %s, held by %q", tk.Status, tk.Assignee)
	}
}

// fax_to faxes a PDF to any number from any ticket, read as people write
// numbers; a number that is none, or faxing without fax.outbound, is
// refused.
func TestFaxTo(t *testing.T) {
	d := newTestDesk(t, faxAPI)
	ctx := context.Background()
	r := d.receive(t, newMail("ft-1", "ann@example.org", "Contract"))
	m, err := d.Reply(ctx, r.TicketID, Answer{Text: "Contract for your lawyer.", FaxTo: "+31 (20) 765-4321", Attachments: pdfFile("contract.pdf"), By: "bob"})
	if err != nil {
		t.Fatal(err)
	}
	if m.Channel != ticket.ChannelFax || strings.Join(m.To, ",") != "+31207654321" || m.Text != "Contract for your lawyer." {
		t.Errorf("fax_to reply = %+v", m)
	}
	for _, tc := range []struct {
		to   string
		kind error
		want string
	}{
		{"call me", fault.ErrInvalid, `fax_to: "call me" is not a phone number`},
		{"+15555550199", fault.ErrInvalid, "fax_to: +15555550199 is the number frontdesk faxes from"},
	} {
		_, err := d.Reply(ctx, r.TicketID, Answer{FaxTo: tc.to, Attachments: pdfFile("a.pdf"), By: "bob"})
		if !errors.Is(err, tc.kind) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("fax_to %q: %v, want %v saying %q", tc.to, err, tc.kind, tc.want)
		}
	}

	off := newTestDesk(t, "")
	r2 := off.receive(t, newMail("ft-2", "ann@example.org", "Contract"))
	_, err = off.Reply(ctx, r2.TicketID, Answer{FaxTo: "+31207654321", Attachments: pdfFile("a.pdf"), By: "bob"})
	if !errors.Is(err, fault.ErrConflict) || !strings.Contains(err.Error(), "fax.outbound is not set up") {
		t.Errorf("fax_to without fax.outbound: %v", err)
	}
	// Without fax.outbound a fax ticket is still answered by text, which
	// carries no file.
	f := off.receive(t, faxIn("fax-2", "+31201234567"))
	if how, _, _ := off.ReplyChannel(off.get(t, f.TicketID)); how != "SMS" {
		t.Errorf("a fax ticket without fax.outbound is answered by %q, want SMS", how)
	}
}

// Through a mail-to-fax gateway a fax is a mail: from the ticket's sender
// address with a signed Message-ID, so that the gateway's reports thread.
func TestFaxThroughGateway(t *testing.T) {
	d := newTestDesk(t, "\nfax: {outbound: {email_gateway: \"{number}@fax.example.net\"}}\n")
	r := d.receive(t, faxIn("fax-g", "+31201234567"))
	m, err := d.Reply(context.Background(), r.TicketID, Answer{Text: "Signed form attached.", Attachments: pdfFile("form.pdf"), By: "bob"})
	if err != nil {
		t.Fatal(err)
	}
	if m.Channel != ticket.ChannelFax || m.From != "Support <support@example.com>" || strings.Join(m.To, ",") != "+31201234567" ||
		!strings.HasPrefix(m.MessageID, "<fd."+r.TicketID+".") {
		t.Errorf("gateway fax = %+v", m)
	}
}

// The fax service's report settles a fax: delivered once, whatever is
// reported again or after; reports about other messages change nothing.
func TestFaxDelivery(t *testing.T) {
	d := newTestDesk(t, faxAPI)
	ctx := context.Background()
	r := d.receive(t, faxIn("fax-d", "+31201234567"))
	m, err := d.Reply(ctx, r.TicketID, Answer{Attachments: pdfFile("a.pdf"), By: "bob"})
	if err != nil {
		t.Fatal(err)
	}
	events := func() int { return d.events(t, r.TicketID, "delivery") }
	for range 2 {
		if err := d.FaxDelivery(ctx, r.TicketID, m.ID, ticket.DeliveryDelivered, "2 pages"); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.FaxDelivery(ctx, r.TicketID, m.ID, ticket.DeliveryFailed, "busy"); err != nil {
		t.Fatal(err)
	}
	got := messageOf(d.get(t, r.TicketID), m.ID)
	if got.Delivery != ticket.DeliveryDelivered || got.DeliveryDetail != "2 pages" || events() != 1 {
		t.Errorf("fax is %s (%s) with %d delivery events, want delivered once", got.Delivery, got.DeliveryDetail, events())
	}
	// The customer's fax, and unknown tickets and messages, are left alone.
	for _, ref := range [][2]string{{r.TicketID, "m1"}, {r.TicketID, "m99"}, {"999999", "m1"}} {
		if err := d.FaxDelivery(ctx, ref[0], ref[1], ticket.DeliveryFailed, "x"); err != nil {
			t.Errorf("report on %v: %v", ref, err)
		}
	}
	if in := messageOf(d.get(t, r.TicketID), "m1"); in.Delivery != "" {
		t.Errorf("an inbound fax got a delivery state: %s", in.Delivery)
	}
}
