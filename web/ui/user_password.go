package ui

import (
	"fmt"
	"net/http"

	"frontdesk/web/auth"
)

// handleUIUserPassword sets user {name}'s password (form field password).
func (h *Handlers) handleUIUserPassword(w http.ResponseWriter, r *http.Request) {
	if !h.usersEditable(w, r) {
		return
	}
	name := r.PathValue("name")
	if err := h.users.SetPassword(r.Context(), name, r.PostForm.Get("password")); err != nil {
		h.userProblem(w, r, fmt.Errorf("set the password of %q: %w", name, err), usersPage{AddRole: auth.RoleAssistant})
		return
	}
	h.seeOther(w, r, "/users", fmt.Sprintf("Password of %s changed", name))
}
