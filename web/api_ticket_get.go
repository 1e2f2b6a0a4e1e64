package web

import (
	"net/http"

	"frontdesk/web/httperr"
)

// handleTicketGet answers one ticket with its messages and events.
func (s *Server) handleTicketGet(w http.ResponseWriter, r *http.Request) {
	t, err := s.Tickets.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		httperr.Write(w, r, s.logger, err)
		return
	}
	writeJSON(w, http.StatusOK, apiTicket(*t))
}
