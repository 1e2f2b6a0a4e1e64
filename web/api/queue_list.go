package api

import (
	"net/http"

	"frontdesk/ticket"
	"frontdesk/web/httperr"
)

// handleQueueList reports on every configured queue, in configuration
// order: waiting and open counts, the oldest waiting ticket's age and how
// many waiting tickets are past their first-response deadline.
func (h *Handlers) handleQueueList(w http.ResponseWriter, r *http.Request) {
	out := make([]ticket.QueueStats, 0, len(h.Queues()))
	for _, q := range h.Queues() {
		st, err := h.Tickets.QueueStats(r.Context(), q)
		if err != nil {
			httperr.Write(w, r, h.logger, err)
			return
		}
		st.Name = q
		out = append(out, st)
	}
	writeJSON(w, http.StatusOK, out)
}
