package api

import (
	"net/http"

	"frontdesk/web/httperr"
)

// handleJobPurge takes a dead job off the dead list without sending it; the
// message keeps its state on the ticket. 204; purging one not on the list is
// no error. With ?queue=media it takes a download that gave up off the
// media queue's dead list.
func (h *Handlers) handleJobPurge(w http.ResponseWriter, r *http.Request) {
	queue, err := jobQueue(r)
	if err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	if queue == "media" {
		h.downloadAction(w, r, false)
		return
	}
	tid, mid, err := jobRef(r.PathValue("id"))
	if err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	if _, err := h.Desk.DismissDead(r.Context(), tid, mid); err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
