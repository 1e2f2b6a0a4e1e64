package ui

import (
	"fmt"
	"net/http"

	"frontdesk/fault"
)

// handleUIWebhookRetry sends a webhook's given-up events again and returns
// to the webhooks page saying how many.
func (h *Handlers) handleUIWebhookRetry(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if h.Webhooks == nil {
		h.uiError(w, r, fmt.Errorf("webhook %q: %w", id, fault.ErrNotFound))
		return
	}
	n, err := h.Webhooks.Retry(r.Context(), id)
	if err != nil {
		h.uiError(w, r, err)
		return
	}
	notice := "No given-up events to send again."
	switch {
	case n == 1:
		notice = "1 given-up event will be sent again."
	case n > 1:
		notice = fmt.Sprintf("%d given-up events will be sent again.", n)
	}
	h.seeOther(w, r, "/webhooks", notice)
}
