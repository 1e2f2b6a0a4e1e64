package api

import (
	"fmt"
	"net/http"

	"frontdesk/fault"
	"frontdesk/web/auth"
	"frontdesk/web/httperr"
)

// userUpdateRequest is the body of POST /api/v1/users/{name}: either field,
// or both.
type userUpdateRequest struct {
	Role     *string `json:"role"`
	Disabled *bool   `json:"disabled"`
}

// handleUserUpdate changes user {name}'s role and whether they are disabled,
// in one step (managers only), and answers the user as GET /api/v1/users
// shows them. Disabling ends the user's sessions and API tokens at once. A
// manager cannot disable or demote themselves (409): another manager must,
// so that a desk is never left without an enabled manager.
func (h *Handlers) handleUserUpdate(w http.ResponseWriter, r *http.Request) {
	var in userUpdateRequest
	if err := decodeJSON(w, r, &in); err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	if in.Role == nil && in.Disabled == nil {
		httperr.Write(w, r, h.logger, fmt.Errorf("%w: give role (assistant or manager), disabled (true or false), or both", fault.ErrInvalid))
		return
	}
	u, err := h.Accounts.ChangeUser(r.Context(), r.PathValue("name"), auth.UserChange{
		Role: in.Role, Disabled: in.Disabled, By: auth.Caller(r).Name,
	})
	if err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	writeJSON(w, http.StatusOK, u)
}
