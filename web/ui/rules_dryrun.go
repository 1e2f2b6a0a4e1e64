package ui

import "net/http"

// handleUIRulesTest runs the pasted mail of the test box through the rules
// in force and shows the decision and the trace, saving nothing.
func (h *Handlers) handleUIRulesTest(w http.ResponseWriter, r *http.Request) {
	if !h.rulesConfigured(w, r) {
		return
	}
	page := &rulesPage{EML: r.PostForm.Get("eml"), Mailbox: r.PostForm.Get("mailbox")}
	res, err := h.testRules(r.Context(), page.EML, page.Mailbox, nil)
	if err != nil {
		status, ok := h.formStatus(w, r, err)
		if !ok {
			return
		}
		page.Problem = explain(err, "The test did not run: ")
		h.showRules(w, r, status, page)
		return
	}
	page.Test = res
	h.showRules(w, r, http.StatusOK, page)
}
