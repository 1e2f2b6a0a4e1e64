package api

import (
	"net/http"

	"frontdesk/desk"
	"frontdesk/web/httperr"
)

// handleReportAssistants answers each assistant's figures over a span of
// days (as handleReportDaily's): tickets handled (closed while theirs),
// first responses and their median time in business hours.
func (h *Handlers) handleReportAssistants(w http.ResponseWriter, r *http.Request) {
	from, to := h.ReportSpan(r.URL.Query())
	rep, err := h.Desk.DailyReport(r.Context(), from, to)
	if err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	rows := rep.Assistants
	if rows == nil {
		rows = []desk.AssistantRow{}
	}
	writeJSON(w, http.StatusOK, rows)
}
