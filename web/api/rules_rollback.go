package api

import (
	"fmt"
	"net/http"

	"frontdesk/fault"
	"frontdesk/web/auth"
	"frontdesk/web/httperr"
)

// handleRulesRollback restores an old version as the next one (managers only).
func (h *Handlers) handleRulesRollback(w http.ResponseWriter, r *http.Request) {
	if !h.rulesOrUnavailable(w, r) {
		return
	}
	var req struct {
		Version int `json:"version"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	if req.Version < 1 {
		httperr.Write(w, r, h.logger, fmt.Errorf("%w: version must be 1 or more (a version from GET /api/v1/rules/history)", fault.ErrInvalid))
		return
	}
	n, err := h.Rules.Rollback(r.Context(), req.Version, auth.Caller(r).Name)
	if err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"version": n})
}
