package api

import (
	"net/http"

	"frontdesk/web/auth"
	"frontdesk/web/httperr"
)

// handleRulesPut replaces the rule set atomically (managers only).
func (h *Handlers) handleRulesPut(w http.ResponseWriter, r *http.Request) {
	if !h.rulesOrUnavailable(w, r) {
		return
	}
	body, err := rawBody(w, r)
	if err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	n, err := h.Rules.Replace(r.Context(), body, auth.Caller(r).Name)
	if err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"version": n})
}
