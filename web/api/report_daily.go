package api

import (
	"fmt"
	"net/http"

	"frontdesk/desk"
	"frontdesk/fault"
	"frontdesk/web/front"
	"frontdesk/web/httperr"
)

// handleReportDaily answers the daily figures per queue and channel of a
// span of days (from, to: YYYY-MM-DD, inclusive; default the last seven
// days), as JSON or, with format=csv, as a CSV download.
func (h *Handlers) handleReportDaily(w http.ResponseWriter, r *http.Request) {
	from, to := h.ReportSpan(r.URL.Query())
	rep, err := h.Desk.DailyReport(r.Context(), from, to)
	if err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	switch r.URL.Query().Get("format") {
	case "", "json":
	case "csv":
		if err := front.ServeReportCSV(w, from, to, rep.Rows); err != nil {
			h.logger.Warn("write report CSV", "error", err)
		}
		return
	default:
		httperr.Write(w, r, h.logger, errBadFormat)
		return
	}
	rows := rep.Rows
	if rows == nil {
		rows = []desk.ReportRow{}
	}
	writeJSON(w, http.StatusOK, rows)
}

var errBadFormat = fmt.Errorf("%w: format: json or csv", fault.ErrInvalid)
