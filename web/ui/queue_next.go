package ui

import (
	"errors"
	"fmt"
	"net/http"
	"slices"

	"frontdesk/fault"
	"frontdesk/ticket"
	"frontdesk/web/auth"
)

// handleTakeNext claims the next waiting ticket for the caller and opens it:
// from the queue in the path, or, from the header's button, from whichever
// queue's next ticket is most urgent (priority, then age). Nobody waiting
// leads back to the queues with a notice.
func (h *Handlers) handleTakeNext(w http.ResponseWriter, r *http.Request) {
	queues := h.Queues
	if q := r.PathValue("queue"); q != "" {
		if err := h.KnownQueue(q); err != nil {
			h.uiError(w, r, err)
			return
		}
		queues = []string{q}
	} else {
		var err error
		if queues, err = h.queuesByUrgency(r); err != nil {
			h.uiError(w, r, err)
			return
		}
	}
	me := auth.Caller(r).Name
	for _, q := range queues {
		t, err := h.Tickets.ClaimNext(r.Context(), q, me, h.ClaimLease)
		if errors.Is(err, fault.ErrNotFound) {
			continue
		}
		if err != nil {
			h.uiError(w, r, err)
			return
		}
		h.seeOther(w, r, "/tickets/"+t.ID, fmt.Sprintf("Ticket #%s from queue %s is yours for the next %s.", t.ID, q, humanDuration(h.ClaimLease)))
		return
	}
	h.seeOther(w, r, "/", "Nobody is waiting. Well done.")
}

// queuesByUrgency orders the queues that have someone waiting by their next
// ticket: higher priority first, then the longer wait.
func (h *Handlers) queuesByUrgency(r *http.Request) ([]string, error) {
	type head struct {
		queue string
		t     ticket.Ticket
	}
	var heads []head
	for _, q := range h.Queues {
		next, err := h.Tickets.Waiting(r.Context(), q, 1)
		if err != nil {
			return nil, err
		}
		if len(next) == 1 {
			heads = append(heads, head{q, next[0]})
		}
	}
	slices.SortStableFunc(heads, func(a, b head) int {
		if d := a.t.Priority.Rank() - b.t.Priority.Rank(); d != 0 {
			return d
		}
		return a.t.CreatedAt.Compare(b.t.CreatedAt)
	})
	out := make([]string, len(heads))
	for i, hd := range heads {
		out[i] = hd.queue
	}
	return out, nil
}
