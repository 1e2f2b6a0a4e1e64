package ui

import (
	"fmt"
	"net/http"

	"frontdesk/ticket"
	"frontdesk/web/auth"
)

// handleUIStatus changes a ticket's status: close, reopen, or wait for the
// customer.
func (h *Handlers) handleUIStatus(w http.ResponseWriter, r *http.Request) {
	id, st := r.PathValue("id"), ticket.Status(r.PostForm.Get("status"))
	if err := h.Desk.SetStatus(r.Context(), id, st, auth.Caller(r).Name); err != nil {
		h.uiError(w, r, err)
		return
	}
	if st == ticket.StatusNew {
		h.seeOther(w, r, "/", fmt.Sprintf("Ticket #%s is back in its queue.", id))
		return
	}
	h.seeOther(w, r, "/tickets/"+id, fmt.Sprintf("Ticket #%s is %s.", id, st))
}
