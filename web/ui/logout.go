package ui

import (
	"fmt"
	"net/http"
)

// handleLogout ends the session and deletes its cookie.
func (h *Handlers) handleLogout(w http.ResponseWriter, r *http.Request) {
	if c, err := h.cookie(r, sessionCookie); err == nil {
		if err := h.sessions.Logout(r.Context(), c.Value); err != nil {
			h.uiError(w, r, fmt.Errorf("sign out: %w", err))
			return
		}
	}
	h.setCookie(w, r, sessionCookie, "", -1)
	h.seeOther(w, r, "/login", "You have signed out.")
}
