package ui

import (
	"net/http"

	"frontdesk/web/auth"
)

// handleUIUsers lists every user, with the forms to add one and set
// passwords when the server allows it.
func (h *Handlers) handleUIUsers(w http.ResponseWriter, r *http.Request) {
	h.showUsers(w, r, http.StatusOK, usersPage{AddRole: auth.RoleAssistant}, "")
}
