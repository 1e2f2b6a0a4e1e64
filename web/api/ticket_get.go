package api

import (
	"net/http"

	"frontdesk/web/httperr"
)

// handleTicketGet answers one ticket with its messages and events.
func (h *Handlers) handleTicketGet(w http.ResponseWriter, r *http.Request) {
	t, err := h.Tickets.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	writeJSON(w, http.StatusOK, apiTicket(*t))
}
