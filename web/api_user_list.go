package web

import (
	"net/http"

	"frontdesk/web/httperr"
)

// handleUserList answers every user with their role and availability
// (managers only).
func (s *Server) handleUserList(w http.ResponseWriter, r *http.Request) {
	users, err := s.Accounts.List(r.Context())
	if err != nil {
		httperr.Write(w, r, s.logger, err)
		return
	}
	writeJSON(w, http.StatusOK, nonNil(users))
}
