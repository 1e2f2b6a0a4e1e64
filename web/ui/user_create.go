package ui

import (
	"fmt"
	"net/http"
	"strings"
)

// handleUIUserAdd adds a user (form fields name, role, password). A name or
// role that is refused shows the page again with the reason: 400, or 409
// for a name that is taken.
func (h *Handlers) handleUIUserAdd(w http.ResponseWriter, r *http.Request) {
	if !h.usersEditable(w, r) {
		return
	}
	name, role := strings.TrimSpace(r.PostForm.Get("name")), r.PostForm.Get("role")
	if err := h.users.AddUser(r.Context(), name, role, r.PostForm.Get("password")); err != nil {
		h.userProblem(w, r, err, usersPage{AddName: name, AddRole: role})
		return
	}
	h.seeOther(w, r, "/users", fmt.Sprintf("User %s added", name))
}
