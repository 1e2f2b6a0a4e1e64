package api

import (
	"net/http"

	"frontdesk/web/auth"
	"frontdesk/web/httperr"
)

// handleTicketPresence says that the caller has the ticket open now, and
// answers who holds it and who has it open: {"assignee", "viewers": [...]},
// the caller among them. A client that shows the ticket calls it every 15
// s; a viewer it has not heard from for 40 s is gone.
func (h *Handlers) handleTicketPresence(w http.ResponseWriter, r *http.Request) {
	p, err := h.Desk.Viewing(r.Context(), r.PathValue("id"), auth.Caller(r).Name)
	if err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}
