package web

import "net/http"

// handleUserList answers every user with their role and availability
// (managers only).
func (s *Server) handleUserList(w http.ResponseWriter, r *http.Request) {
	users, err := s.accounts.List(r.Context())
	if err != nil {
		writeError(w, r, s.logger, err)
		return
	}
	writeJSON(w, http.StatusOK, nonNil(users))
}
