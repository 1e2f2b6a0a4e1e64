package ui

import (
	"net/http"

	"frontdesk/web/auth"
)

// handleUITake makes a ticket the caller's (from its queue, or from whoever
// had it).
func (h *Handlers) handleUITake(w http.ResponseWriter, r *http.Request) {
	id, me := r.PathValue("id"), auth.Caller(r).Name
	if err := h.Desk.Assign(r.Context(), id, me, me); err != nil {
		h.uiError(w, r, err)
		return
	}
	h.seeOther(w, r, "/tickets/"+id, "Ticket #"+id+" is yours.")
}
