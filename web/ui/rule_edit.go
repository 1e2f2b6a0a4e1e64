package ui

import (
	"fmt"
	"net/http"

	"frontdesk/fault"
)

// handleUIRuleEdit shows the form of rule {index} of the rules in force.
func (h *Handlers) handleUIRuleEdit(w http.ResponseWriter, r *http.Request) {
	if !h.rulesConfigured(w, r) {
		return
	}
	i, err := pathIndex(r)
	if err != nil {
		h.uiError(w, r, err)
		return
	}
	cur, err := h.currentRules(r.Context())
	if err != nil {
		h.uiError(w, r, err)
		return
	}
	if i >= len(cur.Rules) {
		h.uiError(w, r, fmt.Errorf("rule %d of version %d: %w", i, cur.Version, fault.ErrNotFound))
		return
	}
	h.showRuleForm(w, r, http.StatusOK, formOfRule(cur.Rules[i], i, cur.Version))
}
