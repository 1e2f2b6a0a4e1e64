package front

import (
	"encoding/csv"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"frontdesk/desk"
)

// ReportSpan reads a report's span from a request's query: from and to,
// YYYY-MM-DD, inclusive. Without to, today (in the reports' time zone);
// without from, the six days before to as well: a week.
func (f *Front) ReportSpan(q url.Values) (from, to string) {
	from, to = q.Get("from"), q.Get("to")
	if to == "" {
		to = f.Desk.Now().In(f.Desk.Config().ReportLocation()).Format(time.DateOnly)
	}
	if from == "" {
		if t, err := time.Parse(time.DateOnly, to); err == nil {
			from = t.AddDate(0, 0, -6).Format(time.DateOnly)
		}
	}
	return from, to
}

// ReportCSVHeader is the header row of a daily report as CSV: the JSON
// fields, in order.
var ReportCSVHeader = []string{"date", "queue", "channel", "received", "first_responses",
	"first_response_p50_seconds", "first_response_p90_seconds", "sla_met", "sla_breached",
	"closed", "reopened", "feedback_good", "feedback_bad"}

// WriteReportCSV writes rows as CSV (RFC 4180) with ReportCSVHeader.
func WriteReportCSV(w io.Writer, rows []desk.ReportRow) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(ReportCSVHeader); err != nil {
		return err
	}
	n := func(v int64) string { return strconv.FormatInt(v, 10) }
	for _, r := range rows {
		rec := []string{r.Date, r.Queue, r.Channel, n(r.Received), n(r.FirstResponses),
			n(r.FirstResponseP50), n(r.FirstResponseP90), n(r.SLAMet), n(r.SLABreached),
			n(r.Closed), n(r.Reopened), n(r.FeedbackGood), n(r.FeedbackBad)}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// ServeReportCSV answers rows, the report of from to to, as a CSV
// download (WriteReportCSV) for the API's format=csv and the page's link.
func ServeReportCSV(w http.ResponseWriter, from, to string, rows []desk.ReportRow) error {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="frontdesk-report-`+from+`-to-`+to+`.csv"`)
	return WriteReportCSV(w, rows)
}
