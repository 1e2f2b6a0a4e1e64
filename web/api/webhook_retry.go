package api

import (
	"fmt"
	"net/http"

	"frontdesk/fault"
	"frontdesk/web/httperr"
)

// retryAnswer is the answer of POST /api/v1/webhooks/{id}/retry.
type retryAnswer struct {
	Requeued int `json:"requeued"`
}

// handleWebhookRetry sends one webhook's given-up events again (managers
// only): each after its ticket's waiting events, with a new day of retries.
func (h *Handlers) handleWebhookRetry(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if h.Webhooks == nil {
		httperr.Write(w, r, h.logger, fmt.Errorf("webhook %q: %w", id, fault.ErrNotFound))
		return
	}
	n, err := h.Webhooks.Retry(r.Context(), id)
	if err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	writeJSON(w, http.StatusOK, retryAnswer{Requeued: n})
}
