package ui

import (
	"net/http"
	"net/url"

	"frontdesk/ticket"
	"frontdesk/web/auth"
	"frontdesk/web/front"
)

// ticketList is a page of tickets with the filter that chose them.
type ticketList struct {
	Heading string
	Filter  ticket.ListFilter
	Tickets []ticket.Ticket
	// Next is the URL of the next page, "" on the last.
	Next string
	// Users are the people a filter can name.
	Users []auth.Principal
	// ID names the list on the page ("snoozed"), for links and tests.
	ID string
	// Empty is what the page says when the list is empty.
	Empty string
}

// handleTicketsPage lists every ticket, newest first, filtered by queue,
// status, channel and assignee, a page of 50 at a time.
func (h *Handlers) handleTicketsPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f, err := front.ListFilter(q)
	if err != nil {
		h.uiError(w, r, err)
		return
	}
	page, err := h.Tickets.List(r.Context(), f)
	if err != nil {
		h.uiError(w, r, err)
		return
	}
	users, err := h.Accounts.List(r.Context())
	if err != nil {
		h.uiError(w, r, err)
		return
	}
	list := ticketList{Heading: "All tickets", Filter: f, Tickets: page.Tickets, Users: users}
	if page.NextCursor != "" {
		next := url.Values{}
		for k, v := range q {
			next[k] = v
		}
		next.Set("cursor", page.NextCursor)
		list.Next = "/tickets?" + next.Encode()
	}
	h.render(w, r, http.StatusOK, "tickets", &pageData{Title: "All tickets", Nav: "tickets", Data: list})
}
