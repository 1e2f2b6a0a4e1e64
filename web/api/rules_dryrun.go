package api

import (
	"net/http"

	"frontdesk/web/httperr"
)

// handleRulesTest shows what the rules do with a pasted mail or a ticket,
// changing nothing: a dry run (and a file name that Go does not take for a
// test file, as rules_test.go would be).
func (h *Handlers) handleRulesTest(w http.ResponseWriter, r *http.Request) {
	if !h.rulesOrUnavailable(w, r) {
		return
	}
	body, err := rawBody(w, r)
	if err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	res, err := h.Rules.Test(r.Context(), body)
	if err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}
