package ui

import "net/http"

// handleQueuesPage shows every queue: waiting and open counts, the oldest
// waiting ticket, SLA breaches, waiting tickets per channel and the next in
// line, refreshed every 5 s by the script from /queues/board.
func (h *Handlers) handleQueuesPage(w http.ResponseWriter, r *http.Request) {
	b, err := h.board(r)
	if err != nil {
		h.uiError(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "queues", &pageData{Title: "Queues", Nav: "queues", Data: b})
}
