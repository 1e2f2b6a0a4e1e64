package desk

import (
	"context"
	"fmt"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"frontdesk/fault"
	"frontdesk/internal/phone"
	"frontdesk/ticket"
)

// What people write about a customer, in characters: a name is one line, the
// notes a few paragraphs.
const (
	MaxCustomerName  = 200
	MaxCustomerNotes = 5000
	// maxIdentity is the longest email address there is (RFC 5321's
	// path limit); a longer input is not echoed back in errors.
	maxIdentity = 254
)

// CustomerEdit is a person's change to a customer; a nil field stays as it
// is.
type CustomerEdit struct {
	Name  *string
	Notes *string
}

// Customer returns a customer with a page of their tickets, newest first
// (limit 1-100, after cursor), and their latest history.
func (d *Desk) Customer(ctx context.Context, id string, limit int, cursor string) (ticket.CustomerProfile, error) {
	return d.store.CustomerProfile(ctx, id, limit, cursor)
}

// EditCustomer changes a customer's name or notes, as a person decides, and
// the customer's history says so. A name is trimmed, one line of at most
// MaxCustomerName characters; notes are trimmed and at most
// MaxCustomerNotes characters. Anything else is fault.ErrInvalid, naming the
// field, and changes nothing.
func (d *Desk) EditCustomer(ctx context.Context, id string, e CustomerEdit, by string) (ticket.Customer, error) {
	u := ticket.CustomerUpdate{By: by}
	if e.Name != nil {
		name := strings.TrimSpace(*e.Name)
		switch {
		case !utf8.ValidString(name) || strings.ContainsFunc(name, unicode.IsControl):
			return ticket.Customer{}, fmt.Errorf("%w: name: must be one line of text", fault.ErrInvalid)
		case utf8.RuneCountInString(name) > MaxCustomerName:
			return ticket.Customer{}, fmt.Errorf("%w: name: at most %d characters", fault.ErrInvalid, MaxCustomerName)
		}
		u.Name = &name
	}
	if e.Notes != nil {
		notes := strings.TrimSpace(strings.ReplaceAll(*e.Notes, "\r\n", "\n"))
		switch {
		case !utf8.ValidString(notes) || strings.ContainsFunc(notes, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' }):
			return ticket.Customer{}, fmt.Errorf("%w: notes: must be text", fault.ErrInvalid)
		case utf8.RuneCountInString(notes) > MaxCustomerNotes:
			return ticket.Customer{}, fmt.Errorf("%w: notes: at most %d characters", fault.ErrInvalid, MaxCustomerNotes)
		}
		u.Notes = &notes
	}
	if u.Name == nil && u.Notes == nil {
		return ticket.Customer{}, fmt.Errorf("%w: give a name or notes to change", fault.ErrInvalid)
	}
	return d.store.UpdateCustomer(ctx, id, u)
}

// LinkIdentity adds an email address or phone number to a customer (a
// caller who is the writer of another ticket): mail and calls from it find
// the customer from then on. One the customer has already changes nothing.
// One another customer has is fault.ErrConflict naming them: customers are
// not merged, the identity must be unlinked there first, and the tickets of
// both stay where they are.
func (d *Desk) LinkIdentity(ctx context.Context, customerID string, id ticket.Identity, by string) (ticket.Customer, error) {
	return d.store.LinkCustomer(ctx, customerID, id, by)
}

// UnlinkIdentity takes an email address or phone number from a customer:
// later mail or calls from it make or find another customer; the tickets
// stay the customer's. One the customer does not have changes nothing. The
// last one a customer is known by cannot go (fault.ErrConflict).
func (d *Desk) UnlinkIdentity(ctx context.Context, customerID string, id ticket.Identity, by string) (ticket.Customer, error) {
	return d.store.UnlinkCustomer(ctx, customerID, id, by)
}

// ParseIdentity reads an address or number as a person types it: anything
// with an @ is an email address (ParseEmail), anything else a phone number
// (ParsePhone).
func (d *Desk) ParseIdentity(s string) (ticket.Identity, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return ticket.Identity{}, fmt.Errorf("%w: give an email address or a phone number", fault.ErrInvalid)
	case len(s) > maxIdentity:
		return ticket.Identity{}, fmt.Errorf("%w: that is longer than any email address or phone number", fault.ErrInvalid)
	}
	if strings.Contains(s, "@") {
		return ParseEmail(s)
	}
	return d.ParsePhone(s)
}

// ParseEmail reads a bare email address ("ann@example.org", not "Ann
// <ann@example.org>") and returns it lower-case.
func ParseEmail(s string) (ticket.Identity, error) {
	s = strings.TrimSpace(s)
	if len(s) > maxIdentity {
		return ticket.Identity{}, fmt.Errorf("%w: email: longer than any address", fault.ErrInvalid)
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return ticket.Identity{}, fmt.Errorf("%w: email %q: must be a bare address like ann@example.org", fault.ErrInvalid, s)
	}
	return ticket.Identity{Kind: ticket.IdentityEmail, Value: strings.ToLower(a.Address)}, nil
}

// ParsePhone reads a phone number in any common form — "+1 (555) 555-0123",
// "0555 5550123" — a number without a country code being the configured
// phone region's (tickets.phone_region), and returns it in E.164 form.
func (d *Desk) ParsePhone(s string) (ticket.Identity, error) {
	s = strings.TrimSpace(s)
	if len(s) > maxIdentity {
		return ticket.Identity{}, fmt.Errorf("%w: phone: longer than any phone number", fault.ErrInvalid)
	}
	n, ok := phone.Parse(s, d.cfg.Tickets.PhoneRegion)
	if !ok {
		return ticket.Identity{}, fmt.Errorf("%w: phone %q: not a phone number; write it as people dial it, with the country code when it is another country's (+31 20 555 0123)", fault.ErrInvalid, s)
	}
	return ticket.Identity{Kind: ticket.IdentityPhone, Value: n}, nil
}

// ShowPhone writes an E.164 number as people of the configured phone region
// read it: nationally when it is that country's, else internationally.
func (d *Desk) ShowPhone(e164 string) string { return phone.Display(e164, d.cfg.Tickets.PhoneRegion) }
