package web

import "net/http"

// handleTicketGet answers one ticket with its messages and events.
func (s *Server) handleTicketGet(w http.ResponseWriter, r *http.Request) {
	t, err := s.tickets.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		writeError(w, r, s.logger, err)
		return
	}
	writeJSON(w, http.StatusOK, apiTicket(*t))
}
