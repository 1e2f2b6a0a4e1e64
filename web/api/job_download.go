package api

import (
	"fmt"
	"net/http"

	"frontdesk/fault"
	"frontdesk/web/httperr"
)

// downloadAction retries (retry) or purges a dead job of the media queue,
// named by {id}: retry answers {"queued": bool}, purge 204.
func (h *Handlers) downloadAction(w http.ResponseWriter, r *http.Request, retry bool) {
	id := r.PathValue("id")
	if h.Downloads == nil {
		httperr.Write(w, r, h.logger, fmt.Errorf("media job %q: %w", id, fault.ErrNotFound))
		return
	}
	if retry {
		again, err := h.Downloads.RetryDownload(r.Context(), id)
		if err != nil {
			httperr.Write(w, r, h.logger, fmt.Errorf("retry media job %q: %w", id, err))
			return
		}
		writeJSON(w, http.StatusOK, map[string]bool{"queued": again})
		return
	}
	if _, err := h.Downloads.DismissDownload(r.Context(), id); err != nil {
		httperr.Write(w, r, h.logger, fmt.Errorf("purge media job %q: %w", id, err))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
