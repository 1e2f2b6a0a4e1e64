package api

import (
	"net/http"

	"frontdesk/web/auth"
	"frontdesk/web/httperr"
)

// handleJobRetry puts a dead job back: the send goes out again, once (a
// second request while it is on its way changes nothing); with
// ?queue=media the download is tried again with its attempts counted
// afresh. It answers {"queued": true} when it put it back, false when it
// was on its way (or, for a download, not dead).
func (h *Handlers) handleJobRetry(w http.ResponseWriter, r *http.Request) {
	queue, err := jobQueue(r)
	if err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	if queue == "media" {
		h.downloadAction(w, r, true)
		return
	}
	tid, mid, err := jobRef(r.PathValue("id"))
	if err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	again, err := h.Desk.SendAgain(r.Context(), tid, mid, auth.Caller(r).Name)
	if err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]bool{"queued": again})
}
