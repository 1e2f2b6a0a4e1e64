package api

import (
	"net/http"
	"net/url"
	"time"

	"frontdesk/ticket"
	"frontdesk/web/front"
	"frontdesk/web/httperr"
)

// customerPage is how many of a customer's tickets an answer lists unless
// the request says otherwise (limit, 1-100).
const customerPage = 20

// customerJSON is a customer as the API shows them: who they are, every
// address and number, the notes, a page of their tickets and their latest
// history.
type customerJSON struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Email and Phone are the first of Emails and Phones, "" when none.
	Email       string          `json:"email"`
	Phone       string          `json:"phone"`
	Emails      []string        `json:"emails"`
	Phones      []string        `json:"phones"`
	Notes       string          `json:"notes"`
	Tags        []string        `json:"tags"`
	Tickets     []ticketSummary `json:"tickets"`
	TicketCount int             `json:"ticket_count"`
	NextCursor  string          `json:"next_cursor"`
	Events      []ticket.Event  `json:"events"`
}

// ticketSummary is one ticket in a customer's list or a search's answer.
type ticketSummary struct {
	ID        string          `json:"id"`
	Subject   string          `json:"subject"`
	Status    ticket.Status   `json:"status"`
	Channel   ticket.Channel  `json:"channel"`
	Queue     string          `json:"queue"`
	Priority  ticket.Priority `json:"priority"`
	Assignee  string          `json:"assignee"`
	CreatedAt time.Time       `json:"created_at"`
	UpdatedAt time.Time       `json:"updated_at"`
}

// handleCustomerGet answers a customer with a page of their tickets, newest
// first (limit, cursor as for the ticket list), and their latest history.
func (h *Handlers) handleCustomerGet(w http.ResponseWriter, r *http.Request) {
	h.writeCustomer(w, r, r.URL.Query())
}

// writeCustomer answers the customer of the request's path as GET shows
// them, with the page of tickets q asks for.
func (h *Handlers) writeCustomer(w http.ResponseWriter, r *http.Request, q url.Values) {
	limit, cursor, err := front.CustomerTickets(q, customerPage)
	if err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	p, err := h.Desk.Customer(r.Context(), r.PathValue("id"), limit, cursor)
	if err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	c := p.Customer
	out := customerJSON{
		ID: c.ID, Name: c.Name, Email: c.Email, Phone: c.Phone, Emails: nonNil(c.Emails), Phones: nonNil(c.Phones),
		Notes: c.Notes, Tags: nonNil(c.Tags), Tickets: []ticketSummary{}, TicketCount: p.TicketCount,
		NextCursor: p.NextCursor, Events: nonNil(p.Events),
	}
	for _, t := range p.Tickets {
		out.Tickets = append(out.Tickets, summaryOf(&t))
	}
	writeJSON(w, http.StatusOK, out)
}

// summaryOf is a ticket as lists show it (a customer's tickets, a search's).
func summaryOf(t *ticket.Ticket) ticketSummary {
	return ticketSummary{
		ID: t.ID, Subject: t.Subject, Status: t.Status, Channel: t.Channel, Queue: t.Queue,
		Priority: t.Priority, Assignee: t.Assignee, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt,
	}
}
