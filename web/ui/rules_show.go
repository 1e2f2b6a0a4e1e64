package ui

import "net/http"

// handleUIRules shows the rule set in force, with the buttons that change
// it and the test box.
func (h *Handlers) handleUIRules(w http.ResponseWriter, r *http.Request) {
	if !h.rulesConfigured(w, r) {
		return
	}
	h.showRules(w, r, http.StatusOK, &rulesPage{})
}
