package ui

import (
	"net/http"

	"frontdesk/web/auth"
)

// handleUIPresence is the reply form's ping while its page is shown: the
// signed-in user has the ticket open. It answers the form's presence line,
// who holds the ticket and who else has it open, with a warning when
// someone else holds it now than when the page was shown (field seen).
func (h *Handlers) handleUIPresence(w http.ResponseWriter, r *http.Request) {
	id, me := r.PathValue("id"), auth.Caller(r).Name
	p, err := h.Desk.Viewing(r.Context(), id, me)
	if err != nil {
		h.uiError(w, r, err)
		return
	}
	h.renderFragment(w, r, "ticket", "presence", newPresenceView(id, me, r.PostForm.Get("seen"), p))
}
