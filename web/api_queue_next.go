package web

import (
	"errors"
	"fmt"
	"net/http"
	"slices"

	"frontdesk/fault"
	"frontdesk/web/auth"
	"frontdesk/web/httperr"
)

// handleQueueNext gives the caller the next waiting ticket of a queue
// (highest priority, then oldest) under a lease of Options.ClaimLease: 200
// with the ticket, 204 when nobody waits, 404 for a queue not configured.
func (s *Server) handleQueueNext(w http.ResponseWriter, r *http.Request) {
	queue := r.PathValue("queue")
	if err := s.knownQueue(queue); err != nil {
		httperr.Write(w, r, s.logger, err)
		return
	}
	t, err := s.tickets.ClaimNext(r.Context(), queue, auth.Caller(r).Name, s.claimLease)
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

// knownQueue refuses (fault.ErrNotFound) a queue that is not configured.
func (s *Server) knownQueue(name string) error {
	if !slices.Contains(s.queues, name) {
		return fmt.Errorf("queue %q: %w", name, fault.ErrNotFound)
	}
	return nil
}
