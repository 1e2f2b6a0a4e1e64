package api

import (
	"errors"
	"net/http"

	"frontdesk/fault"
	"frontdesk/web/auth"
	"frontdesk/web/httperr"
)

// handleQueueNext gives the caller the next waiting ticket of a queue
// (highest priority, then oldest) under the claim lease: 200 with the
// ticket, 204 when nobody waits, 404 for a queue not configured.
func (h *Handlers) handleQueueNext(w http.ResponseWriter, r *http.Request) {
	queue := r.PathValue("queue")
	if err := h.KnownQueue(queue); err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	t, err := h.Desk.TakeNext(r.Context(), auth.Caller(r).Name, queue)
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
