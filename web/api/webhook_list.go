package api

import (
	"net/http"

	"frontdesk/web/front"
	"frontdesk/web/httperr"
)

// handleWebhookList answers the configured outgoing webhooks with their
// counts (tickets with events waiting, attempts by result) and last
// attempt (managers only). Never a secret.
func (h *Handlers) handleWebhookList(w http.ResponseWriter, r *http.Request) {
	out := []front.WebhookStatus{}
	if h.Webhooks != nil {
		list, err := h.Webhooks.List(r.Context())
		if err != nil {
			httperr.Write(w, r, h.logger, err)
			return
		}
		out = append(out, list...)
	}
	writeJSON(w, http.StatusOK, out)
}
