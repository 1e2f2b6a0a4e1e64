package ui

import (
	"fmt"
	"net/http"

	"frontdesk/web/auth"
)

// handleUIRulesRollback stores an old version's rules (form field
// "version") as the next version.
func (h *Handlers) handleUIRulesRollback(w http.ResponseWriter, r *http.Request) {
	if !h.rulesConfigured(w, r) {
		return
	}
	v, err := formInt(r, "version", 1)
	var n int
	if err == nil {
		n, err = h.Rules.Rollback(r.Context(), v, auth.Caller(r).Name)
		if err != nil {
			err = fmt.Errorf("roll back to version %d: %w", v, err)
		}
	}
	if err != nil {
		if status, ok := h.formStatus(w, r, err); ok {
			h.showHistory(w, r, status, "", "Nothing was saved: "+reason(err))
		}
		return
	}
	h.seeOther(w, r, "/rules", fmt.Sprintf("Version %d restored: rules saved as version %d", v, n))
}
