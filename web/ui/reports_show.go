package ui

import (
	"net/http"
	"slices"
	"strings"

	"frontdesk/desk"
	"frontdesk/internal/words"
	"frontdesk/web/front"
)

// reportsPage is the managers' report of a span of days.
type reportsPage struct {
	From, To string
	Report   desk.Report
	// ByQueue are the span's figures per queue and channel.
	ByQueue []desk.ReportRow
	Charts  []chart
	CSVURL  string
}

// handleUIReports shows the figures of a span of days (from, to; default
// the last seven days): charts, the totals per queue and channel, per
// assistant and per day, and a CSV download.
func (h *Handlers) handleUIReports(w http.ResponseWriter, r *http.Request) {
	from, to := h.ReportSpan(r.URL.Query())
	rep, err := h.Desk.DailyReport(r.Context(), from, to)
	if err != nil {
		h.uiError(w, r, err)
		return
	}
	p := reportsPage{From: from, To: to, Report: rep, ByQueue: byQueue(rep.Rows),
		CSVURL: "/reports/daily.csv?from=" + from + "&to=" + to}
	count := func(f func(desk.ReportRow) int64) func(desk.ReportRow) int64 { return f }
	p.Charts = []chart{
		barChart("chart-volume", "Tickets received and answered per day", rep.Days, []series{
			{Label: "received", Class: "s-received", Value: count(func(r desk.ReportRow) int64 { return r.Received })},
			{Label: "first responses", Class: "s-answered", Value: count(func(r desk.ReportRow) int64 { return r.FirstResponses })},
			{Label: "closed", Class: "s-closed", Value: count(func(r desk.ReportRow) int64 { return r.Closed })},
		}),
		barChart("chart-sla", "First responses on time and late per day", rep.Days, []series{
			{Label: "on time", Class: "s-met", Value: count(func(r desk.ReportRow) int64 { return r.SLAMet })},
			{Label: "late", Class: "s-breached", Value: count(func(r desk.ReportRow) int64 { return r.SLABreached })},
		}),
		barChart("chart-time", "Time to first response per day (business hours)", rep.Days, []series{
			{Label: "median", Class: "s-p50", Value: count(func(r desk.ReportRow) int64 { return r.FirstResponseP50 }), Format: words.Seconds},
			{Label: "9 in 10 within", Class: "s-p90", Value: count(func(r desk.ReportRow) int64 { return r.FirstResponseP90 }), Format: words.Seconds},
		}),
	}
	h.render(w, r, http.StatusOK, "reports", &pageData{Title: "Reports", Nav: "reports", Data: p})
}

// handleUIReportsCSV downloads the report's rows as CSV, as the API's
// format=csv does.
func (h *Handlers) handleUIReportsCSV(w http.ResponseWriter, r *http.Request) {
	from, to := h.ReportSpan(r.URL.Query())
	rep, err := h.Desk.DailyReport(r.Context(), from, to)
	if err != nil {
		h.uiError(w, r, err)
		return
	}
	if err := front.ServeReportCSV(w, from, to, rep.Rows); err != nil {
		h.logger.Warn("write report CSV", "error", err)
	}
}

// byQueue adds up rows per queue and channel, by queue then channel.
func byQueue(rows []desk.ReportRow) []desk.ReportRow {
	days := map[[2]string][]desk.ReportRow{}
	for _, r := range rows {
		k := [2]string{r.Queue, r.Channel}
		days[k] = append(days[k], r)
	}
	out := make([]desk.ReportRow, 0, len(days))
	for k, rs := range days {
		out = append(out, desk.SumRows(k[0], k[1], rs))
	}
	slices.SortFunc(out, func(a, b desk.ReportRow) int {
		if c := strings.Compare(a.Queue, b.Queue); c != 0 {
			return c
		}
		return strings.Compare(a.Channel, b.Channel)
	})
	return out
}
