package desk

import (
	"context"
	"errors"
	"strings"
	"testing"

	"frontdesk/fault"
	"frontdesk/ticket"
)

// Every reply goes out from the queue's address, else the mailbox's, else
// smtp.from, with a signed Message-ID that threads the customer's answer
// back; with none of them the reply is refused before anything is stored.
func TestReplySenderFallsBackToMailboxThenSMTPFrom(t *testing.T) {
	d := newTestDesk(t, "")
	ctx := context.Background()
	for _, c := range []struct {
		queue, mailbox, wantFrom string
	}{
		{"support", "support", "Support <support@example.com>"},
		{"billing", "support", "Mailbox <mailbox@example.com>"},
		{"vip", "", "Desk <desk@example.com>"},
	} {
		nt := newMail("s-"+c.queue, "ann@example.org", "Lamp")
		nt.Queue, nt.Mailbox = c.queue, c.mailbox
		r := d.receive(t, nt)
		m, err := d.Reply(ctx, r.TicketID, Answer{Text: "On its way.", By: "bob"})
		if err != nil {
			t.Fatalf("%s: reply: %v", c.queue, err)
		}
		if m.From != c.wantFrom || m.Author != "bob" || m.Delivery != ticket.DeliveryQueued {
			t.Errorf("%s: reply from %q by %q (%s), want from %q by bob", c.queue, m.From, m.Author, m.Delivery, c.wantFrom)
		}
		if id, ok, _ := d.TicketOfMessageID(ctx, m.MessageID); !ok || id != r.TicketID {
			t.Errorf("%s: Message-ID %q is not signed for ticket %s", c.queue, m.MessageID, r.TicketID)
		}
		if m.Subject != "Re: Lamp [#"+r.TicketID+"]" || m.InReplyTo != "<s-"+c.queue+"@example.org>" {
			t.Errorf("%s: subject %q, in reply to %q", c.queue, m.Subject, m.InReplyTo)
		}
	}

	// No address anywhere: the reply is refused, saying what to set.
	bare := newTestDesk(t, "")
	bare.cfg.SMTP.From = ""
	bare.cfg.Mailboxes[0].Address = ""
	nt := newMail("s-none", "ann@example.org", "Lamp")
	nt.Queue = "vip"
	r := bare.receive(t, nt)
	_, err := bare.Reply(ctx, r.TicketID, Answer{Text: "x", By: "bob"})
	if !errors.Is(err, fault.ErrConflict) || !strings.Contains(err.Error(), "smtp.from") {
		t.Fatalf("reply without any address: %v, want a conflict naming smtp.from", err)
	}
	if tk := bare.get(t, r.TicketID); len(tk.Messages) != 1 || tk.Status != ticket.StatusNew {
		t.Fatalf("a refused reply changed the ticket: %+v", tk)
	}
}

// A customer's mailer that wrote a malformed Message-ID does not make the
// ticket unanswerable: the bad id is left out of the threading headers.
func TestMalformedMessageIDIsNeverRepeated(t *testing.T) {
	d := newTestDesk(t, "")
	ctx := context.Background()
	nt := newMail("bad-id", "ann@example.org", "Hi")
	nt.Message.MessageID = "<noat>"
	nt.Message.References = []string{"<jörg@example.org>", "<ok@example.org>"}
	r := d.receive(t, nt)
	m, err := d.Reply(ctx, r.TicketID, Answer{Text: "Hello", By: "bob"})
	if err != nil {
		t.Fatal(err)
	}
	if m.InReplyTo != "" || len(m.References) != 0 {
		t.Fatalf("reply threads to a malformed id: in reply to %q, references %q", m.InReplyTo, m.References)
	}
	for _, o := range outbound(d.get(t, r.TicketID)) {
		if strings.Contains(o.InReplyTo, "noat") || strings.Contains(strings.Join(o.References, " "), "noat") {
			t.Fatalf("outbound %+v repeats the malformed id", o)
		}
	}
}

// A fax is answered at the sender's number (by text when frontdesk does not
// send faxes: fax.outbound), never at a mail-to-fax gateway's address; without a number, or
// without a way to text, the reply is refused with a reason.
func TestFaxReplyGoesToTheSender(t *testing.T) {
	d := newTestDesk(t, "")
	ctx := context.Background()
	fax := ticket.NewTicket{Channel: ticket.ChannelFax, Queue: "support", Subject: "Fax from +31201234567",
		Customer: ticket.Customer{Phone: "+31201234567"},
		Message: ticket.NewMessage{SourceKey: "fax-1", Channel: ticket.ChannelFax, Kind: ticket.KindFax, From: "+31201234567",
			To: []string{"+15555550100"}, Text: "Fax of 2 pages"}}
	r := d.receive(t, fax)
	m, err := d.Reply(ctx, r.TicketID, Answer{Text: "Received, thank you.", By: "bob"})
	if err != nil {
		t.Fatal(err)
	}
	if m.Channel != ticket.ChannelSMS || strings.Join(m.To, ",") != "+31201234567" || m.From != "+15555550100" {
		t.Fatalf("fax reply = %+v, want a text to the sender from our number", m)
	}

	gateway := newMail("fax-2", "fax@fax.example.net", "Fax received")
	gateway.Channel, gateway.Message.Kind, gateway.Customer = ticket.ChannelFax, ticket.KindFax, ticket.Customer{}
	r2 := d.receive(t, gateway)
	_, err = d.Reply(ctx, r2.TicketID, Answer{Text: "x", By: "bob"})
	if !errors.Is(err, fault.ErrConflict) || !strings.Contains(err.Error(), "without the sender's number") {
		t.Fatalf("reply to a gateway fax without a number: %v", err)
	}

	d.cfg.Twilio.AccountSID = ""
	_, err = d.Reply(ctx, r.TicketID, Answer{Text: "x", By: "bob"})
	if !errors.Is(err, fault.ErrConflict) || !strings.Contains(err.Error(), "call the sender") {
		t.Fatalf("reply to a fax without Twilio: %v", err)
	}
}

// The first reply records the first response (the SLA clock stops) and
// sets the ticket pending; an idempotency key makes a resent reply one.
func TestReplyRecordsFirstResponseOnce(t *testing.T) {
	d := newTestDesk(t, "")
	ctx := context.Background()
	r := d.receive(t, newMail("fr-1", "ann@example.org", "Hi"))
	for range 2 {
		if _, err := d.Reply(ctx, r.TicketID, Answer{Text: "Hello", By: "bob", Key: "k1"}); err != nil {
			t.Fatal(err)
		}
	}
	tk := d.get(t, r.TicketID)
	replies := 0
	for _, m := range outbound(tk) {
		if m.Kind == ticket.KindNormal {
			replies++
		}
	}
	if replies != 1 || tk.FirstResponseAt == nil || tk.Status != ticket.StatusPending {
		t.Fatalf("after a reply sent twice with one key: %d replies, first response %v, status %s", replies, tk.FirstResponseAt, tk.Status)
	}
	if _, err := d.Reply(ctx, r.TicketID, Answer{Text: "  ", By: "bob"}); !errors.Is(err, fault.ErrInvalid) {
		t.Fatalf("empty reply: %v", err)
	}
}

// A note is kept on the ticket for colleagues and never queued for anyone.
func TestNoteIsKeptNotSent(t *testing.T) {
	d := newTestDesk(t, "")
	ctx := context.Background()
	r := d.receive(t, newMail("n-1", "ann@example.org", "Hi"))
	m, err := d.Note(ctx, r.TicketID, Answer{Text: "She is a VIP.", By: "bob"})
	if err != nil {
		t.Fatal(err)
	}
	if m.Direction != ticket.DirectionInternal || m.Author != "bob" || m.Delivery != "" {
		t.Fatalf("note = %+v", m)
	}
	if _, err := d.Note(ctx, "99999", Answer{Text: "x", By: "bob"}); !errors.Is(err, fault.ErrNotFound) {
		t.Fatalf("note on a missing ticket: %v", err)
	}
}

// Take next from every queue gives the most urgent waiting ticket of any.
func TestTakeNextFromAnyQueue(t *testing.T) {
	d := newTestDesk(t, "")
	ctx := context.Background()
	low := newMail("t-1", "a@example.org", "Low")
	low.Priority = ticket.PriorityLow
	d.receive(t, low)
	urgent := newMail("t-2", "b@example.org", "Urgent")
	urgent.Queue, urgent.Priority = "billing", ticket.PriorityUrgent
	ru := d.receive(t, urgent)
	tk, err := d.TakeNext(ctx, "bob")
	if err != nil || tk.ID != ru.TicketID {
		t.Fatalf("take next = %v, %v; want the urgent ticket of billing", tk, err)
	}
	if _, err := d.TakeNext(ctx, "bob", "nowhere"); !errors.Is(err, fault.ErrNotFound) {
		t.Fatalf("take next from an unknown queue: %v", err)
	}
}
