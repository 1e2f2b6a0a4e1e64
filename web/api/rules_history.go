package api

import (
	"net/http"
	"strconv"

	"frontdesk/web/httperr"
)

// handleRulesHistory lists the stored versions (managers only).
func (h *Handlers) handleRulesHistory(w http.ResponseWriter, r *http.Request) {
	if !h.rulesOrUnavailable(w, r) {
		return
	}
	limit := 50
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			httperr.WriteJSON(w, http.StatusBadRequest, "limit must be 1-500")
			return
		}
		limit = n
	}
	versions, err := h.Rules.History(r.Context(), limit)
	if err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	writeJSON(w, http.StatusOK, versions)
}
