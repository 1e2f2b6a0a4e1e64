package web

import (
	"errors"
	"net/http"

	"frontdesk/fault"
	"frontdesk/web/auth"
	"frontdesk/web/httperr"
)

// handleQueueNext gives the caller the next waiting ticket of a queue
// (highest priority, then oldest) under a lease of Options.ClaimLease: 200
// with the ticket, 204 when nobody waits, 404 for a queue not configured.
func (s *Server) handleQueueNext(w http.ResponseWriter, r *http.Request) {
	queue := r.PathValue("queue")
	if err := s.KnownQueue(queue); err != nil {
		httperr.Write(w, r, s.logger, err)
		return
	}
	t, err := s.Tickets.ClaimNext(r.Context(), queue, auth.Caller(r).Name, s.ClaimLease)
	if errors.Is(err, fault.ErrNotFound) {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if err != nil {
		httperr.Write(w, r, s.logger, err)
		return
	}
	writeJSON(w, http.StatusOK, apiTicket(*t))
}
