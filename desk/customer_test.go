package desk

import (
	"context"
	"errors"
	"strings"
	"testing"

	"frontdesk/fault"
	"frontdesk/ticket"
)

// What people type as an address or number is read as the desk keeps it:
// numbers in the phone region's national form or any international one.
func TestParseIdentity(t *testing.T) {
	d := newTestDesk(t, "tickets: {phone_region: NL}\n")
	for in, want := range map[string]ticket.Identity{
		"Ann@Example.org":     {Kind: ticket.IdentityEmail, Value: "ann@example.org"},
		" 020 555 0123 ":      {Kind: ticket.IdentityPhone, Value: "+31205550123"},
		"+1 (555) 555-0123":   {Kind: ticket.IdentityPhone, Value: "+15555550123"},
		"00 1 555 555 0123":   {Kind: ticket.IdentityPhone, Value: "+15555550123"},
		"+31-20-555-01-23":    {Kind: ticket.IdentityPhone, Value: "+31205550123"},
		"ann.lee@example.org": {Kind: ticket.IdentityEmail, Value: "ann.lee@example.org"},
	} {
		got, err := d.ParseIdentity(in)
		if err != nil || got != want {
			t.Errorf("ParseIdentity(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "Ann <ann@example.org>", "ann@", "call me", "12", "+1x"} {
		if got, err := d.ParseIdentity(bad); !errors.Is(err, fault.ErrInvalid) {
			t.Errorf("ParseIdentity(%q) = %+v, %v; want invalid", bad, got, err)
		}
	}
	if s := d.ShowPhone("+31205550123"); s != "020 555 0123" {
		t.Errorf("ShowPhone of a Dutch number in NL = %q", s)
	}
	if s := d.ShowPhone("+15555550123"); s != "+1 555-555-0123" {
		t.Errorf("ShowPhone of a US number in NL = %q", s)
	}
}

// A person renames a customer and writes notes; input that is not one line
// of a name, or too long, is refused naming the field and changes nothing.
func TestEditCustomer(t *testing.T) {
	d := newTestDesk(t, "")
	ctx := context.Background()
	cid := d.get(t, d.receive(t, newMail("e-1", "ann@example.org", "Hi")).TicketID).Customer.ID
	name, notes := "  Ann Lee  ", "Prefers mail.\r\nCall after 5 pm.\n"
	c, err := d.EditCustomer(ctx, cid, CustomerEdit{Name: &name, Notes: &notes}, "bob")
	if err != nil || c.Name != "Ann Lee" || c.Notes != "Prefers mail.\nCall after 5 pm." {
		t.Fatalf("edit = %+v, %v", c, err)
	}
	tab, long, longNotes := "Ann\tLee", strings.Repeat("a", MaxCustomerName+1), strings.Repeat("n", MaxCustomerNotes+1)
	bell := "ring\a"
	for _, bad := range []struct {
		e     CustomerEdit
		field string
	}{
		{CustomerEdit{Name: &tab}, "name"}, {CustomerEdit{Name: &long}, "name"},
		{CustomerEdit{Notes: &longNotes}, "notes"}, {CustomerEdit{Notes: &bell}, "notes"}, {CustomerEdit{}, "name or notes"},
	} {
		if _, err := d.EditCustomer(ctx, cid, bad.e, "bob"); !errors.Is(err, fault.ErrInvalid) || !strings.Contains(err.Error(), bad.field) {
			t.Errorf("edit %+v: %v, want invalid naming %s", bad.e, err, bad.field)
		}
	}
	p, err := d.Customer(ctx, cid, 10, "")
	if err != nil || p.Customer.Name != "Ann Lee" || len(p.Events) != 2 || p.Events[0].By != "bob" {
		t.Fatalf("after refused edits: %+v, %v", p, err)
	}
}

// Linking a number in national form makes calls from it find the customer;
// a reply on their mail ticket still goes to the address they wrote from.
func TestLinkIdentity(t *testing.T) {
	d := newTestDesk(t, "")
	ctx := context.Background()
	id := d.receive(t, newMail("l-1", "ann@example.org", "Hi")).TicketID
	cid := d.get(t, id).Customer.ID
	n, err := d.ParseIdentity("(555) 555-0199")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.LinkIdentity(ctx, cid, n, "bob"); err != nil {
		t.Fatal(err)
	}
	if c, err := d.store.FindCustomer(ctx, "+15555550199"); err != nil || c.ID != cid {
		t.Fatalf("the number finds %+v, %v", c, err)
	}
	if how, to, err := d.ReplyChannel(d.get(t, id)); err != nil || how != "mail" || to != "ann@example.org" {
		t.Fatalf("reply by %s to %s, %v", how, to, err)
	}
	if _, err := d.UnlinkIdentity(ctx, cid, n, "bob"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.store.FindCustomer(ctx, "+15555550199"); !errors.Is(err, fault.ErrNotFound) {
		t.Fatalf("the unlinked number: %v", err)
	}
}
