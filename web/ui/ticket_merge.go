package ui

import (
	"fmt"
	"net/http"

	"frontdesk/web/auth"
)

// handleUIMerge merges the ticket into the one the form names and goes
// there.
func (h *Handlers) handleUIMerge(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	left, err := h.Desk.Merge(r.Context(), id, r.PostForm.Get("into"), auth.Caller(r).Name)
	if err != nil {
		h.uiError(w, r, err)
		return
	}
	h.seeOther(w, r, "/tickets/"+left, fmt.Sprintf("Ticket #%s was merged into this one.", id))
}
