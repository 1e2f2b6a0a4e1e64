package ui

import (
	"net/http"
	"strings"

	"frontdesk/web/auth"
)

// handleUIAssign hands a ticket to another user.
func (h *Handlers) handleUIAssign(w http.ResponseWriter, r *http.Request) {
	id, to := r.PathValue("id"), strings.TrimSpace(r.PostForm.Get("assignee"))
	if err := h.Desk.Assign(r.Context(), id, to, auth.Caller(r).Name); err != nil {
		h.uiError(w, r, err)
		return
	}
	h.seeOther(w, r, "/tickets/"+id, "Ticket #"+id+" handed to "+to+".")
}
