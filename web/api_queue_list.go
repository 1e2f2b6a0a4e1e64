package web

import (
	"net/http"

	"frontdesk/ticket"
	"frontdesk/web/httperr"
)

// handleQueueList reports on every configured queue, in configuration
// order: waiting and open counts, the oldest waiting ticket's age and how
// many waiting tickets are past their first-response deadline.
func (s *Server) handleQueueList(w http.ResponseWriter, r *http.Request) {
	out := make([]ticket.QueueStats, 0, len(s.Queues))
	for _, q := range s.Queues {
		st, err := s.Tickets.QueueStats(r.Context(), q)
		if err != nil {
			httperr.Write(w, r, s.logger, err)
			return
		}
		st.Name = q
		out = append(out, st)
	}
	writeJSON(w, http.StatusOK, out)
}
