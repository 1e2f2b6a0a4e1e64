package web

import "net/http"

// handleMeGet answers the caller: name, role and whether they are away.
func (s *Server) handleMeGet(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, caller(r))
}
