package api

import (
	"net/http"

	"frontdesk/web/auth"
	"frontdesk/web/httperr"
)

// handleTicketRoute re-routes a ticket by the current rules (managers only)
// and answers what the rules decided.
func (h *Handlers) handleTicketRoute(w http.ResponseWriter, r *http.Request) {
	if !h.rulesOrUnavailable(w, r) {
		return
	}
	res, err := h.Rules.Reroute(r.Context(), r.PathValue("id"), auth.Caller(r).Name)
	if err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}
