package api

import (
	"net/http"

	"frontdesk/web/httperr"
)

// handleRulesGet answers the rule set in force.
func (h *Handlers) handleRulesGet(w http.ResponseWriter, r *http.Request) {
	if !h.rulesOrUnavailable(w, r) {
		return
	}
	rs, err := h.Rules.Current(r.Context())
	if err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	writeJSON(w, http.StatusOK, rs)
}
