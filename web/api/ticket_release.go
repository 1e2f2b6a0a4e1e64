package api

import (
	"net/http"

	"frontdesk/web/auth"
	"frontdesk/web/httperr"
)

// handleTicketRelease puts a ticket back in its queue, unassigned, and
// answers it as it now is. It takes no body.
func (h *Handlers) handleTicketRelease(w http.ResponseWriter, r *http.Request) {
	if err := h.Desk.Release(r.Context(), r.PathValue("id"), auth.Caller(r).Name); err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	h.writeTicket(w, r, r.PathValue("id"))
}
