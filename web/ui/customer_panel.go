package ui

import (
	"context"
	"errors"
	"net/http"
	"regexp"

	"frontdesk/desk"
	"frontdesk/fault"
	"frontdesk/ticket"
)

// panelTickets is how many of a customer's tickets the panel on a ticket
// page lists; the customer's page lists them all.
const panelTickets = 10

// customerPanel is what the customer panel shows (partials_customer.html),
// on a ticket's page and on the customer's own: who they are, every address
// and number, the notes, their tickets, and the forms that change them.
type customerPanel struct {
	ID, Name, Notes string
	// Identities are the customer's addresses, then their numbers.
	Identities []identityView
	// Tickets are the newest of the customer's tickets, More how many
	// others they have and Count all; none on the customer's page, which
	// lists them all.
	Tickets     []ticket.Ticket
	More, Count int
	// Current is the ticket whose page shows the panel, "" on the
	// customer's page.
	Current string
	// Back is the page the panel's forms return to.
	Back string
	CSRF string
	// NameMax and NotesMax are the longest name and notes, in characters.
	NameMax, NotesMax int
}

// identityView is one address or number of a customer: Value as the desk
// keeps it (what the unlink form sends), Shown as people read it, and Only
// when it is the last way the customer is known, which cannot be unlinked.
type identityView struct {
	Kind         ticket.IdentityKind
	Value, Shown string
	Only         bool
}

// newCustomerPanel reads the panel of customer id for a page at back, with
// the customer's newest tickets when current names the ticket the page
// shows; a customer's page (current "") gets none, it lists them itself.
func (h *Handlers) newCustomerPanel(ctx context.Context, r *http.Request, id, current, back string) (*customerPanel, error) {
	limit := 1
	if current != "" {
		limit = panelTickets
	}
	p, err := h.Desk.Customer(ctx, id, limit, "")
	if err != nil {
		return nil, err
	}
	v := h.panelOf(p.Customer, back, csrfToken(r))
	if current != "" {
		v.Tickets, v.More, v.Count, v.Current = p.Tickets, p.TicketCount-len(p.Tickets), p.TicketCount, current
	}
	return v, nil
}

// panelOf is the panel of customer c, without tickets.
func (h *Handlers) panelOf(c ticket.Customer, back, csrf string) *customerPanel {
	v := &customerPanel{ID: c.ID, Name: c.Name, Notes: c.Notes, Back: back, CSRF: csrf,
		NameMax: desk.MaxCustomerName, NotesMax: desk.MaxCustomerNotes}
	only := len(c.Emails)+len(c.Phones) == 1
	for _, e := range c.Emails {
		v.Identities = append(v.Identities, identityView{Kind: ticket.IdentityEmail, Value: e, Shown: e, Only: only})
	}
	for _, n := range c.Phones {
		v.Identities = append(v.Identities, identityView{Kind: ticket.IdentityPhone, Value: n, Shown: h.Desk.ShowPhone(n), Only: only})
	}
	return v
}

// ticketPanel is the customer panel of a ticket's page: nil when the ticket
// has no customer record (a mail without a usable sender), or the record is
// gone.
func (h *Handlers) ticketPanel(r *http.Request, t *ticket.Ticket) (*customerPanel, error) {
	if t.Customer.ID == "" {
		return nil, nil
	}
	p, err := h.newCustomerPanel(r.Context(), r, t.Customer.ID, t.ID, "/tickets/"+t.ID)
	if errors.Is(err, fault.ErrNotFound) {
		return nil, nil
	}
	return p, err
}

// panelPage is a page the panel's forms may return to.
var panelPage = regexp.MustCompile(`^/(tickets|customers)/[0-9]{1,20}$`)

// panelBack is where a panel form for customer id returns: the page it was
// on, a ticket's or the customer's, and to the panel on it.
func panelBack(r *http.Request, id string) string {
	back := r.PostForm.Get("back")
	if !panelPage.MatchString(back) {
		back = "/customers/" + id
	}
	return back + "#customer"
}
