package api

import (
	"fmt"
	"net/http"
	"strconv"

	"frontdesk/fault"
	"frontdesk/ticket"
	"frontdesk/web/httperr"
)

// handleWebhookDeliveries answers the latest attempts at one webhook,
// newest first: ?limit= 1-200, default 50 (managers only).
func (h *Handlers) handleWebhookDeliveries(w http.ResponseWriter, r *http.Request) {
	limit := 50
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			httperr.WriteJSON(w, http.StatusBadRequest, "limit must be 1-200")
			return
		}
		limit = n
	}
	id := r.PathValue("id")
	if h.Webhooks == nil {
		httperr.Write(w, r, h.logger, fmt.Errorf("webhook %q: %w", id, fault.ErrNotFound))
		return
	}
	log, err := h.Webhooks.Deliveries(r.Context(), id, limit)
	if err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	writeJSON(w, http.StatusOK, nonNil[ticket.HookAttempt](log))
}
