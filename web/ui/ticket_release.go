package ui

import (
	"net/http"

	"frontdesk/web/auth"
)

// handleUIRelease puts a ticket back in its queue for someone else.
func (h *Handlers) handleUIRelease(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := h.Desk.Release(r.Context(), id, auth.Caller(r).Name); err != nil {
		h.uiError(w, r, err)
		return
	}
	h.seeOther(w, r, "/", "Ticket #"+id+" is back in its queue.")
}
