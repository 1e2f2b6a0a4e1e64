package api

import (
	"net/http"

	"frontdesk/ticket"
	"frontdesk/web/front"
	"frontdesk/web/httperr"
)

// ticketPage is the answer of GET /api/v1/tickets.
type ticketPage struct {
	Tickets    []ticket.Ticket `json:"tickets"`     // without messages and events
	NextCursor string          `json:"next_cursor"` // empty on the last page
}

// handleTicketList lists tickets newest first, filtered by queue, status,
// channel and assignee, one page of ?limit= (1-200, default 50) at a time;
// ?cursor= takes the next_cursor of the page before.
func (h *Handlers) handleTicketList(w http.ResponseWriter, r *http.Request) {
	f, err := front.ListFilter(r.URL.Query())
	if err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	page, err := h.Tickets.List(r.Context(), f)
	if err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	out := ticketPage{Tickets: make([]ticket.Ticket, len(page.Tickets)), NextCursor: page.NextCursor}
	for i, t := range page.Tickets {
		out.Tickets[i] = apiTicket(t)
	}
	writeJSON(w, http.StatusOK, out)
}
