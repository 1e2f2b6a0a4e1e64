package desk

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"frontdesk/ticket"
)

func acks(t *testing.T, d *testDesk, ids ...string) []ticket.Message {
	t.Helper()
	var out []ticket.Message
	for _, id := range ids {
		for _, m := range outbound(d.get(t, id)) {
			if m.Kind == ticket.KindAutoReply {
				out = append(out, m)
			}
		}
	}
	return out
}

// A new ticket from a person gets one acknowledgement, also when its mail is
// received again; it is threaded, marked automatic, and from the queue.
func TestAcknowledgementOnce(t *testing.T) {
	d := newTestDesk(t, "")
	nt := newMail("a-1", "ann@example.org", "Order 553 arrived broken")
	r := d.receive(t, nt)
	d.receive(t, nt) // the same mail again
	got := acks(t, d, r.TicketID)
	if len(got) != 1 {
		t.Fatalf("%d acknowledgements, want 1", len(got))
	}
	a := got[0]
	if a.From != "Support <support@example.com>" || a.InReplyTo != "<a-1@example.org>" || a.Delivery != ticket.DeliveryQueued ||
		!strings.Contains(a.Subject, "[#"+r.TicketID+"]") || !strings.Contains(a.Text, "#"+r.TicketID) {
		t.Fatalf("acknowledgement = %+v", a)
	}
	if tk := d.get(t, r.TicketID); tk.FirstResponseAt != nil {
		t.Fatal("the acknowledgement counted as the first response")
	}
}

// A rule's auto_ack template is the acknowledgement's text.
func TestRuleAcknowledgementTemplate(t *testing.T) {
	d := newTestDesk(t, "")
	ctx := context.Background()
	rules := `{"rules": [{"name": "Billing ack", "conditions": [{"field": "subject", "op": "contains", "value": "invoice"}],
	  "actions": [{"type": "auto_ack", "value": true, "template": "Billing has your mail as #{{.TicketID}} ({{.Queue}})."}]}]}`
	if _, err := d.rules.Replace(ctx, []byte(rules), "max"); err != nil {
		t.Fatal(err)
	}
	r := d.receive(t, newMail("a-2", "ann@example.org", "Invoice 12"))
	got := acks(t, d, r.TicketID)
	if len(got) != 1 || got[0].Text != "Billing has your mail as #"+r.TicketID+" (support)." {
		t.Fatalf("acknowledgements = %+v, want the rule's template", got)
	}
}

// An acknowledgement repeats nothing the sender wrote: not their subject,
// not their name (the sender may be forged, the address a stranger's).
func TestAcknowledgementEchoesNothing(t *testing.T) {
	d := newTestDesk(t, "")
	nt := newMail("a-3", "victim@example.org", "BUY CHEAP WATCHES at evil.example")
	nt.Customer.Name = "Visit evil.example now"
	nt.Message.From = `"Visit evil.example now" <victim@example.org>`
	r := d.receive(t, nt)
	got := acks(t, d, r.TicketID)
	if len(got) != 1 {
		t.Fatalf("%d acknowledgements", len(got))
	}
	for _, s := range []string{got[0].Subject, got[0].Text, strings.Join(got[0].To, " ")} {
		if strings.Contains(strings.ToLower(s), "evil") || strings.Contains(s, "WATCHES") {
			t.Fatalf("acknowledgement repeats the sender's words: %q", s)
		}
	}
}

// The brake counts per mailbox, not per spelling: +tags and Gmail's dots are
// one address; and a whole domain has a cap of its own.
func TestAcknowledgementBrake(t *testing.T) {
	d := newTestDesk(t, "acknowledgements: {per_address: 3, per_domain: 5}\n")
	var ids []string
	for i, from := range []string{"victim+1@target.example", "victim+2@target.example", "Victim+x@target.example", "victim@target.example", "victim+5@target.example"} {
		ids = append(ids, d.receive(t, newMail(fmt.Sprintf("b-%d", i), from, "Hi")).TicketID)
	}
	if n := len(acks(t, d, ids...)); n != 3 {
		t.Fatalf("%d acknowledgements to one mailbox under five spellings, want 3", n)
	}
	ids = ids[:0]
	for i, from := range []string{"j.doe@gmail.com", "jdoe@gmail.com", "j.d.o.e+x@googlemail.com", "JDoe@gmail.com"} {
		ids = append(ids, d.receive(t, newMail(fmt.Sprintf("g-%d", i), from, "Hi")).TicketID)
	}
	if n := len(acks(t, d, ids...)); n != 3 {
		t.Fatalf("%d acknowledgements to one Gmail mailbox, want 3", n)
	}
	ids = ids[:0]
	for i := range 8 {
		ids = append(ids, d.receive(t, newMail(fmt.Sprintf("d-%d", i), fmt.Sprintf("person%d@many.example", i), "Hi")).TicketID)
	}
	if n := len(acks(t, d, ids...)); n != 5 {
		t.Fatalf("%d acknowledgements to eight people of one domain, want the domain's cap of 5", n)
	}
}

// No acknowledgement to automatic mail, list mail, noreply senders or our own
// addresses (RFC 3834 §2), nor to a queue without auto_ack.
func TestNoAcknowledgementForMachinesOrLoops(t *testing.T) {
	d := newTestDesk(t, "")
	machine := func(src, from string, kind ticket.Kind, tags ...string) ticket.NewTicket {
		nt := newMail(src, from, "x")
		nt.Message.Kind, nt.Tags = kind, tags
		return nt
	}
	var ids []string
	for _, nt := range []ticket.NewTicket{
		machine("m-1", "ann@example.org", ticket.KindAutoReply, "auto-reply"),
		machine("m-2", "mailer-daemon@mx.example.org", ticket.KindBounce, "bounce"),
		machine("m-3", "news@list.example", ticket.KindNormal, "list"),
		machine("m-4", "noreply@shop.example", ticket.KindNormal),
		machine("m-5", "support@example.com", ticket.KindNormal),
		machine("m-6", "mailbox@example.com", ticket.KindNormal),
	} {
		ids = append(ids, d.receive(t, nt).TicketID)
	}
	billing := newMail("m-7", "ann@example.org", "x")
	billing.Queue = "billing" // auto_ack off
	ids = append(ids, d.receive(t, billing).TicketID)
	if got := acks(t, d, ids...); len(got) != 0 {
		t.Fatalf("acknowledged %+v", got)
	}
	// Automatic and list mail has no first-response deadline either.
	for _, id := range ids[:3] {
		if tk := d.get(t, id); tk.FirstResponseDue != nil {
			t.Errorf("ticket %s (%v) has a first-response deadline", id, tk.Tags)
		}
	}
}
