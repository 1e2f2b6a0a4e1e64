package ui

import (
	"fmt"
	"net/http"

	"frontdesk/fault"
	"frontdesk/web/auth"
)

// handleUIUserDisabled disables user {name} (form field disabled=true): their
// sessions and API tokens end at once; or enables them again
// (disabled=false). A manager cannot disable themselves (409).
func (h *Handlers) handleUIUserDisabled(w http.ResponseWriter, r *http.Request) {
	if !h.usersEditable(w, r) {
		return
	}
	name := r.PathValue("name")
	var disabled bool
	switch r.PostForm.Get("disabled") {
	case "true":
		disabled = true
	case "false":
	default:
		h.userProblem(w, r, fmt.Errorf("%w: disabled must be true or false", fault.ErrInvalid), usersPage{AddRole: auth.RoleAssistant})
		return
	}
	u, err := h.Accounts.ChangeUser(r.Context(), name, auth.UserChange{Disabled: &disabled, By: auth.Caller(r).Name})
	if err != nil {
		h.userProblem(w, r, fmt.Errorf("change %q: %w", name, err), usersPage{AddRole: auth.RoleAssistant})
		return
	}
	notice := fmt.Sprintf("%s enabled: they can sign in with their password again", u.Name)
	if u.Disabled {
		notice = fmt.Sprintf("%s disabled: their sessions and API tokens have ended", u.Name)
	}
	h.seeOther(w, r, "/users", notice)
}
