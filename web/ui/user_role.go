package ui

import (
	"fmt"
	"net/http"

	"frontdesk/web/auth"
)

// handleUIUserRole gives user {name} another role (form field role), as the
// signed-in manager: it holds for the user's sessions and tokens from their
// next request. A manager's own role is not theirs to give up (409).
func (h *Handlers) handleUIUserRole(w http.ResponseWriter, r *http.Request) {
	if !h.usersEditable(w, r) {
		return
	}
	name, role := r.PathValue("name"), r.PostForm.Get("role")
	u, err := h.Accounts.ChangeUser(r.Context(), name, auth.UserChange{Role: &role, By: auth.Caller(r).Name})
	if err != nil {
		h.userProblem(w, r, fmt.Errorf("change the role of %q: %w", name, err), usersPage{AddRole: auth.RoleAssistant})
		return
	}
	h.seeOther(w, r, "/users", fmt.Sprintf("%s is now %s %s", u.Name, article(u.Role), u.Role))
}

// article is "a" or "an" before word.
func article(word string) string {
	if word != "" && (word[0] == 'a' || word[0] == 'e' || word[0] == 'i' || word[0] == 'o' || word[0] == 'u') {
		return "an"
	}
	return "a"
}
