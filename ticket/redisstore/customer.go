package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/redis/go-redis/v9"

	"frontdesk/fault"
	"frontdesk/ticket"
)

// customerHistory is how many of a customer's latest history entries a
// profile carries.
const customerHistory = 50

// Customer returns a customer record by id, with the notes.
func (s *Store) Customer(ctx context.Context, id string) (ticket.Customer, error) {
	if err := validCustomerID(id); err != nil {
		return ticket.Customer{}, err
	}
	f, err := s.rdb.HGetAll(ctx, s.key("customer", id)).Result()
	if err != nil {
		return ticket.Customer{}, wrap("get customer "+id, err)
	}
	if len(f) == 0 {
		return ticket.Customer{}, fmt.Errorf("get customer %s: %w", id, fault.ErrNotFound)
	}
	c := ticket.Customer{ID: id}
	for k, v := range f {
		setCustomerField(&c, k, v)
	}
	finishCustomer(&c)
	return c, nil
}

// CustomerProfile returns a customer with a page of their tickets, newest
// first, and the latest entries of their history, read in one script.
func (s *Store) CustomerProfile(ctx context.Context, id string, limit int, cursor string) (ticket.CustomerProfile, error) {
	if err := validCustomerID(id); err != nil {
		return ticket.CustomerProfile{}, err
	}
	if limit < 1 || limit > 100 {
		return ticket.CustomerProfile{}, fmt.Errorf("customer %s: limit %d must be 1-100: %w", id, limit, fault.ErrInvalid)
	}
	if cursor != "" {
		if err := validID(cursor); err != nil {
			return ticket.CustomerProfile{}, fmt.Errorf("customer %s: cursor: %w", id, err)
		}
	}
	v, err := s.scripts.customer.Run(ctx, s.rdb, []string{s.key("customer", id)}, s.base, id, limit, cursor, customerHistory).Slice()
	if errors.Is(err, redis.Nil) {
		return ticket.CustomerProfile{}, fmt.Errorf("get customer %s: %w", id, fault.ErrNotFound)
	}
	if err != nil {
		return ticket.CustomerProfile{}, wrap("get customer "+id, err)
	}
	if len(v) < 4 {
		return ticket.CustomerProfile{}, fmt.Errorf("get customer %s: unexpected reply of %d parts", id, len(v))
	}
	p := ticket.CustomerProfile{Customer: ticket.Customer{ID: id}, Tickets: []ticket.Ticket{}}
	eachPair(v[0], func(k, val string) { setCustomerField(&p.Customer, k, val) })
	finishCustomer(&p.Customer)
	p.NextCursor, _ = v[1].(string)
	n, _ := v[2].(int64)
	p.TicketCount = int(n)
	if err := decodeArray(v[3], &p.Events); err != nil {
		return ticket.CustomerProfile{}, fmt.Errorf("get customer %s: history: %w", id, err)
	}
	for _, fields := range v[4:] {
		t := decodeTicket(fields, nil)
		t.Customer = ticket.Customer{ID: id, Name: p.Customer.Name}
		p.Tickets = append(p.Tickets, *t)
	}
	return p, nil
}

// FindCustomer returns the customer known by an email address (anything with an
// @) or a phone number in E.164 form.
func (s *Store) FindCustomer(ctx context.Context, emailOrPhone string) (ticket.Customer, error) {
	index, v := "customers:phone", strings.TrimSpace(emailOrPhone)
	if strings.Contains(v, "@") {
		index, v = "customers:email", strings.ToLower(v)
	}
	id, err := s.rdb.HGet(ctx, s.key(index), v).Result()
	if errors.Is(err, redis.Nil) {
		return ticket.Customer{}, fmt.Errorf("find customer %s: %w", v, fault.ErrNotFound)
	}
	if err != nil {
		return ticket.Customer{}, wrap("find customer "+v, err)
	}
	return s.Customer(ctx, id)
}

// LinkCustomer adds an email address or an E.164 phone number to a
// customer; an address is taken in any form mail headers write it ("Ann
// <Ann@Example.org>") and kept lower-case.
func (s *Store) LinkCustomer(ctx context.Context, customerID string, id ticket.Identity, by string) (ticket.Customer, error) {
	return s.changeIdentity(ctx, s.scripts.link, "link", customerID, id, by)
}

// UnlinkCustomer takes an email address or a phone number from a customer.
func (s *Store) UnlinkCustomer(ctx context.Context, customerID string, id ticket.Identity, by string) (ticket.Customer, error) {
	return s.changeIdentity(ctx, s.scripts.unlink, "unlink", customerID, id, by)
}

func (s *Store) changeIdentity(ctx context.Context, script *redis.Script, verb, customerID string, id ticket.Identity, by string) (ticket.Customer, error) {
	if err := validCustomerID(customerID); err != nil {
		return ticket.Customer{}, err
	}
	id, err := normalIdentity(id)
	if err != nil {
		return ticket.Customer{}, fmt.Errorf("%s customer %s: %w", verb, customerID, err)
	}
	now := s.now()
	err = script.Run(ctx, s.rdb, []string{s.key("customer", customerID)}, s.base, customerID,
		string(id.Kind), id.Value, by, ms(now), rfc(now)).Err()
	if err != nil {
		return ticket.Customer{}, customerError(fmt.Sprintf("%s %s of customer %s", verb, id.Value, customerID), err)
	}
	return s.Customer(ctx, customerID)
}

// normalIdentity checks an identity and returns it as the indexes keep it:
// a bare lower-case address, or an E.164 number.
func normalIdentity(id ticket.Identity) (ticket.Identity, error) {
	switch id.Kind {
	case ticket.IdentityEmail:
		if v := senderEmail(id.Value); v != "" {
			return ticket.Identity{Kind: id.Kind, Value: v}, nil
		}
		return id, fmt.Errorf("%w: %q is not an email address", fault.ErrInvalid, id.Value)
	case ticket.IdentityPhone:
		if v := senderPhone(id.Value); v != "" {
			return ticket.Identity{Kind: id.Kind, Value: v}, nil
		}
		return id, fmt.Errorf("%w: %q is not a phone number in E.164 form", fault.ErrInvalid, id.Value)
	}
	return id, fmt.Errorf("%w: identity kind %q must be email or phone", fault.ErrInvalid, id.Kind)
}

// Limits of what people write about a customer, in characters.
const (
	maxCustomerName  = 200
	maxCustomerNotes = 5000
)

// UpdateCustomer changes a customer's name or notes. A name is one line of
// at most 200 characters, the notes at most 5,000; else fault.ErrInvalid.
func (s *Store) UpdateCustomer(ctx context.Context, customerID string, u ticket.CustomerUpdate) (ticket.Customer, error) {
	if err := validCustomerID(customerID); err != nil {
		return ticket.Customer{}, err
	}
	setName, name, setNotes, notes := "0", "", "0", ""
	if u.Name != nil {
		if n := utf8.RuneCountInString(*u.Name); n > maxCustomerName || !utf8.ValidString(*u.Name) || strings.ContainsAny(*u.Name, "\r\n") {
			return ticket.Customer{}, fmt.Errorf("update customer %s: %w: name must be one line of at most %d characters", customerID, fault.ErrInvalid, maxCustomerName)
		}
		setName, name = "1", *u.Name
	}
	if u.Notes != nil {
		if n := utf8.RuneCountInString(*u.Notes); n > maxCustomerNotes || !utf8.ValidString(*u.Notes) {
			return ticket.Customer{}, fmt.Errorf("update customer %s: %w: notes must be at most %d characters", customerID, fault.ErrInvalid, maxCustomerNotes)
		}
		setNotes, notes = "1", *u.Notes
	}
	now := s.now()
	err := s.scripts.customerEdit.Run(ctx, s.rdb, []string{s.key("customer", customerID)}, s.base, customerID,
		setName, name, setNotes, notes, u.By, ms(now), rfc(now)).Err()
	if err != nil {
		return ticket.Customer{}, customerError("update customer "+customerID, err)
	}
	return s.Customer(ctx, customerID)
}

// setCustomerField sets what field k of a stored customer record says.
func setCustomerField(c *ticket.Customer, k, v string) {
	switch k {
	case "name":
		c.Name = v
	case "email":
		c.Email = v
	case "phone":
		c.Phone = v
	case "emails":
		c.Emails = decodeList(v)
	case "phones":
		c.Phones = decodeList(v)
	case "notes":
		c.Notes = v
	case "tags":
		if v != "" {
			_ = json.Unmarshal([]byte(v), &c.Tags)
		}
	}
}

// finishCustomer joins a record's single fields email and phone (all a
// record written before customers had several holds, and what an older
// instance may still set) into its lists, as the scripts' customer_ids does,
// and makes Email and Phone the first of each.
func finishCustomer(c *ticket.Customer) {
	join := func(list []string, one string) []string {
		if one != "" && !slices.Contains(list, one) {
			list = append([]string{one}, list...)
		}
		if list == nil {
			list = []string{}
		}
		return list
	}
	c.Emails, c.Phones = join(c.Emails, c.Email), join(c.Phones, c.Phone)
	c.Email, c.Phone = "", ""
	if len(c.Emails) > 0 {
		c.Email = c.Emails[0]
	}
	if len(c.Phones) > 0 {
		c.Phone = c.Phones[0]
	}
}

// decodeList decodes a JSON list of strings, dropping what is not one.
func decodeList(v string) []string {
	var raw []any
	_ = json.Unmarshal([]byte(v), &raw)
	out := make([]string, 0, len(raw))
	for _, x := range raw {
		if s, ok := x.(string); ok && s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// contactOf makes a ticket's customer's Email and Phone the address and
// number the customer last wrote or called from on the ticket, among the
// ones they are known by: where a reply to this ticket goes.
func contactOf(t *ticket.Ticket) {
	for _, m := range t.Messages {
		if m.Direction != ticket.DirectionIn {
			continue
		}
		if e := senderEmail(m.From); e != "" && slices.Contains(t.Customer.Emails, e) {
			t.Customer.Email = e
		} else if p := senderPhone(m.From); p != "" && slices.Contains(t.Customer.Phones, p) {
			t.Customer.Phone = p
		}
	}
}

// customerError is wrap for the customer scripts, with the kind before the
// script's reason, so that fault.Reason tells people the reason alone:
// "link … of customer 3: conflict: … belongs to another customer, …".
func customerError(what string, err error) error {
	msg := err.Error()
	switch {
	case strings.HasPrefix(msg, "NOTFOUND "):
		return fmt.Errorf("%s: %w: no such %s", what, fault.ErrNotFound, strings.TrimPrefix(msg, "NOTFOUND "))
	case strings.HasPrefix(msg, "CONFLICT "):
		return fmt.Errorf("%s: %w: %s", what, fault.ErrConflict, strings.TrimPrefix(msg, "CONFLICT "))
	}
	return wrap(what, err)
}

// validCustomerID rejects ids that could not be customer ids before they
// reach a key name.
func validCustomerID(id string) error {
	if validID(id) != nil {
		return fmt.Errorf("%w: customer id %q must be a number", fault.ErrInvalid, id)
	}
	return nil
}
