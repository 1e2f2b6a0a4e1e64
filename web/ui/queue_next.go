package ui

import (
	"errors"
	"fmt"
	"net/http"

	"frontdesk/fault"
	"frontdesk/web/auth"
)

// handleTakeNext claims the next waiting ticket for the caller and opens it:
// from the queue in the path, or, from the header's button, the most urgent
// (priority, then age) of every queue, in one step. Nobody waiting leads back
// to the queues with a notice.
func (h *Handlers) handleTakeNext(w http.ResponseWriter, r *http.Request) {
	var queues []string
	if q := r.PathValue("queue"); q != "" {
		if err := h.KnownQueue(q); err != nil {
			h.uiError(w, r, err)
			return
		}
		queues = []string{q}
	}
	t, err := h.Desk.TakeNext(r.Context(), auth.Caller(r).Name, queues...)
	if errors.Is(err, fault.ErrNotFound) {
		h.seeOther(w, r, "/", "Nobody is waiting. Well done.")
		return
	}
	if err != nil {
		h.uiError(w, r, err)
		return
	}
	h.seeOther(w, r, "/tickets/"+t.ID, fmt.Sprintf("Ticket #%s from queue %s is yours for the next %s.", t.ID, t.Queue, humanDuration(h.Desk.ClaimLease())))
}
