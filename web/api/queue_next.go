package api

import (
	"errors"
	"net/http"

	"frontdesk/fault"
	"frontdesk/web/auth"
	"frontdesk/web/httperr"
)

// handleQueueNext gives the caller the next waiting ticket of a queue
// (highest priority, then oldest) under a lease of the desk's ClaimLease: 200
// with the ticket, 204 when nobody waits, 404 for a queue not configured.
func (h *Handlers) handleQueueNext(w http.ResponseWriter, r *http.Request) {
	queue := r.PathValue("queue")
	if err := h.KnownQueue(queue); err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	t, err := h.Tickets.ClaimNext(r.Context(), queue, auth.Caller(r).Name, h.ClaimLease)
	if errors.Is(err, fault.ErrNotFound) {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	writeJSON(w, http.StatusOK, apiTicket(*t))
}
