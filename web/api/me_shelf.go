package api

import (
	"net/http"

	"frontdesk/ticket"
	"frontdesk/web/auth"
	"frontdesk/web/httperr"
)

// shelfPage is the answer of GET /me/snoozed and /me/mentions.
type shelfPage struct {
	Tickets []ticket.Ticket `json:"tickets"` // without messages and events
}

// handleMeSnoozed lists the tickets the caller snoozed that are not back
// yet, soonest back first.
func (h *Handlers) handleMeSnoozed(w http.ResponseWriter, r *http.Request) {
	h.writeShelf(w, r, ticket.ShelfSnoozed)
}

// handleMeMentions lists the tickets whose notes mention the caller, the
// latest mention first.
func (h *Handlers) handleMeMentions(w http.ResponseWriter, r *http.Request) {
	h.writeShelf(w, r, ticket.ShelfMentions)
}

func (h *Handlers) writeShelf(w http.ResponseWriter, r *http.Request, shelf ticket.Shelf) {
	ts, err := h.Tickets.Shelf(r.Context(), shelf, auth.Caller(r).Name, 200)
	if err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	out := shelfPage{Tickets: make([]ticket.Ticket, len(ts))}
	for i, t := range ts {
		out.Tickets[i] = apiTicket(t)
	}
	writeJSON(w, http.StatusOK, out)
}
