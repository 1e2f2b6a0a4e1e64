package api

import (
	"net/http"

	"frontdesk/web/auth"
)

// handleMeGet answers the caller: name, role and whether they are away.
func (h *Handlers) handleMeGet(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, auth.Caller(r))
}
