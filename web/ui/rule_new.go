package ui

import "net/http"

// handleUIRuleNew shows an empty form for a rule added after the last.
func (h *Handlers) handleUIRuleNew(w http.ResponseWriter, r *http.Request) {
	if !h.rulesConfigured(w, r) {
		return
	}
	cur, err := h.currentRules(r.Context())
	if err != nil {
		h.uiError(w, r, err)
		return
	}
	f := &ruleForm{New: true, Index: len(cur.Rules), Base: cur.Version, Enabled: true, Stop: true, Match: "all"}
	h.showRuleForm(w, r, http.StatusOK, f)
}
