package api

import (
	"net/http"

	"frontdesk/web/httperr"
)

// handleUserList answers every user with their role and availability
// (managers only).
func (h *Handlers) handleUserList(w http.ResponseWriter, r *http.Request) {
	users, err := h.Accounts.List(r.Context())
	if err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	writeJSON(w, http.StatusOK, nonNil(users))
}
