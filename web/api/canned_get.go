package api

import (
	"net/http"
	"strconv"

	"frontdesk/web/httperr"
)

// handleCannedGet answers the canned replies, [{"name", "queue", "text"}]
// (queue "" for every queue), with their version as the ETag that a PUT's
// If-Match may name.
func (h *Handlers) handleCannedGet(w http.ResponseWriter, r *http.Request) {
	set, err := h.Desk.CannedReplies(r.Context())
	if err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	w.Header().Set("ETag", strconv.Quote(strconv.Itoa(set.Version)))
	writeJSON(w, http.StatusOK, set.Replies)
}
