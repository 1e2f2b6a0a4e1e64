package ui

import (
	"net/http"
	"strings"

	"frontdesk/ticket"
	"frontdesk/web/front"
)

// customerPageSize is how many tickets a customer's page lists at a time.
const customerPageSize = 50

// customerView is what a customer's page shows: the panel (who they are,
// their addresses and numbers, the notes, and the forms), then all their
// tickets, newest first, a page at a time, and their history.
type customerView struct {
	Panel *customerPanel
	// Tickets are this page's, Count all of them; NextCursor continues
	// the list, Older says this is not its first page.
	Tickets    []ticket.Ticket
	Count      int
	NextCursor string
	Older      bool
	Events     []ticket.Event
	// Current is empty: no ticket of the list is the page's own.
	Current string
}

// handleCustomerPage shows a customer: the panel of a ticket's page with
// every ticket of theirs, and what was changed about them, by whom.
func (h *Handlers) handleCustomerPage(w http.ResponseWriter, r *http.Request) {
	limit, cursor, err := front.CustomerTickets(r.URL.Query(), customerPageSize)
	if err != nil {
		h.uiError(w, r, err)
		return
	}
	p, err := h.Desk.Customer(r.Context(), r.PathValue("id"), limit, cursor)
	if err != nil {
		h.uiError(w, r, err)
		return
	}
	c := p.Customer
	v := customerView{
		Panel:   h.panelOf(c, "/customers/"+c.ID, csrfToken(r)),
		Tickets: p.Tickets, Count: p.TicketCount, NextCursor: p.NextCursor, Older: cursor != "",
	}
	for _, e := range p.Events {
		// A number linked or unlinked, as people read it.
		if num, _, _ := strings.Cut(e.Detail, ":"); (e.Type == "linked" || e.Type == "unlinked") && strings.HasPrefix(num, "+") {
			e.Detail = h.Desk.ShowPhone(num) + e.Detail[len(num):]
		}
		v.Events = append(v.Events, e)
	}
	h.render(w, r, http.StatusOK, "customer", &pageData{Title: h.customerName(c), Nav: "tickets", Data: v})
}

// customerName is what the desk calls a customer: their name, else their
// first address, else their first number as people read it.
func (h *Handlers) customerName(c ticket.Customer) string {
	switch {
	case c.Name != "":
		return c.Name
	case len(c.Emails) > 0:
		return c.Emails[0]
	case len(c.Phones) > 0:
		return h.Desk.ShowPhone(c.Phones[0])
	}
	return "Customer"
}
