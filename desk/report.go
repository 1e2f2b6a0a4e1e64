package desk

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"frontdesk/fault"
	"frontdesk/ticket"
)

// reportBounds are the upper bounds, in seconds, of the buckets the store
// counts first-response times in (REPORT_FRT_BOUNDS in
// ticket/redisstore/lua/report.lua must say the same); the last bucket
// holds longer times.
var reportBounds = []int64{0, 60, 120, 300, 600, 900, 1200, 1800, 2700, 3600, 5400, 7200, 10800,
	14400, 21600, 28800, 43200, 57600, 86400, 129600, 172800, 259200, 345600, 432000, 604800,
	864000, 1209600}

// MaxReportDays is the longest span a report covers: two years.
const MaxReportDays = 732

// ReportRow is one day's figures for one queue and channel.
type ReportRow struct {
	Date           string `json:"date"`
	Queue          string `json:"queue"`
	Channel        string `json:"channel"`
	Received       int64  `json:"received"`
	FirstResponses int64  `json:"first_responses"`
	// FirstResponseP50 and P90 are the median and 90th percentile of the
	// first responses' time in business hours, in seconds: the upper bound
	// of the histogram bucket they fall in (see reportBounds); 0 without
	// first responses.
	FirstResponseP50 int64 `json:"first_response_p50_seconds"`
	FirstResponseP90 int64 `json:"first_response_p90_seconds"`
	SLAMet           int64 `json:"sla_met"`
	SLABreached      int64 `json:"sla_breached"`
	Closed           int64 `json:"closed"`
	Reopened         int64 `json:"reopened"`
	FeedbackGood     int64 `json:"feedback_good"`
	FeedbackBad      int64 `json:"feedback_bad"`

	frt []int64 // the first-response histogram, for totals
}

// AssistantRow is one assistant's figures over a report's span.
type AssistantRow struct {
	Assistant string `json:"assistant"`
	// Handled counts the tickets closed while assigned to them (or closed by
	// them when nobody was).
	Handled        int64 `json:"handled"`
	FirstResponses int64 `json:"first_responses"`
	// FirstResponseP50 is the median of their first responses' time in
	// business hours, in seconds, as ReportRow's.
	FirstResponseP50 int64 `json:"first_response_p50_seconds"`

	frt []int64
}

// Report is the figures of a span of days.
type Report struct {
	From, To string
	// Rows are per day, queue and channel, by date then queue then
	// channel; only combinations with something to count.
	Rows []ReportRow
	// Days are the totals per day over every queue and channel, one for
	// each day of the span.
	Days []ReportRow
	// Total is the span's totals.
	Total      ReportRow
	Assistants []AssistantRow
}

// ReportDates parses a report's span, from and to (YYYY-MM-DD, inclusive),
// and lists its dates: fault.ErrInvalid naming the parameter when one does
// not parse, to is before from, or the span is longer than MaxReportDays.
func ReportDates(from, to string) ([]string, error) {
	f, err := time.Parse(time.DateOnly, from)
	if err != nil {
		return nil, fmt.Errorf("%w: from: want a date, YYYY-MM-DD", fault.ErrInvalid)
	}
	t, err := time.Parse(time.DateOnly, to)
	if err != nil {
		return nil, fmt.Errorf("%w: to: want a date, YYYY-MM-DD", fault.ErrInvalid)
	}
	if t.Before(f) {
		return nil, fmt.Errorf("%w: to: must not be before from", fault.ErrInvalid)
	}
	n := int(t.Sub(f).Hours()/24) + 1
	if n > MaxReportDays {
		return nil, fmt.Errorf("%w: to: a report covers at most %d days", fault.ErrInvalid, MaxReportDays)
	}
	dates := make([]string, 0, n)
	for d := f; !d.After(t); d = d.AddDate(0, 0, 1) {
		dates = append(dates, d.Format(time.DateOnly))
	}
	return dates, nil
}

// DailyReport returns the figures of the days from to to (YYYY-MM-DD,
// inclusive, in the reports' time zone), read from the counters the
// store's scripts keep: one round trip, however long the span.
func (d *Desk) DailyReport(ctx context.Context, from, to string) (Report, error) {
	dates, err := ReportDates(from, to)
	if err != nil {
		return Report{}, err
	}
	rs, ok := d.store.(ticket.ReportStore)
	if !ok {
		return Report{}, fmt.Errorf("daily report: the store keeps no report counters: %w", fault.ErrConflict)
	}
	days, err := rs.ReportDays(ctx, dates)
	if err != nil {
		return Report{}, err
	}
	return buildReport(from, to, days), nil
}

// buildReport turns the store's counters into a report.
func buildReport(from, to string, days []ticket.ReportDay) Report {
	r := Report{From: from, To: to, Total: ReportRow{Date: from + "/" + to}}
	people := map[string]*AssistantRow{}
	for _, day := range days {
		rows := map[[2]string]*ReportRow{}
		total := ReportRow{Date: day.Date}
		for name, n := range day.Counts {
			if who, metric, ok := strings.Cut(name, "|"); ok && strings.HasPrefix(who, "@") {
				a := people[who[1:]]
				if a == nil {
					a = &AssistantRow{Assistant: who[1:]}
					people[who[1:]] = a
				}
				switch {
				case metric == "handled":
					a.Handled += n
				case metric == "first_responses":
					a.FirstResponses += n
				case strings.HasPrefix(metric, "frt:"):
					a.frt = addBucket(a.frt, metric, n)
				}
				continue
			}
			parts := strings.SplitN(name, "|", 3)
			if len(parts) != 3 {
				continue
			}
			key := [2]string{parts[0], parts[1]}
			row := rows[key]
			if row == nil {
				row = &ReportRow{Date: day.Date, Queue: parts[0], Channel: parts[1]}
				rows[key] = row
			}
			row.add(parts[2], n)
			total.add(parts[2], n)
		}
		keys := make([][2]string, 0, len(rows))
		for k := range rows {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, func(a, b [2]string) int {
			if c := strings.Compare(a[0], b[0]); c != 0 {
				return c
			}
			return strings.Compare(a[1], b[1])
		})
		for _, k := range keys {
			row := rows[k]
			if row.empty() {
				continue
			}
			row.percentiles()
			r.Rows = append(r.Rows, *row)
		}
		total.percentiles()
		r.Days = append(r.Days, total)
		r.Total.merge(total)
	}
	r.Total.percentiles()
	names := make([]string, 0, len(people))
	for name := range people {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		a := people[name]
		a.FirstResponseP50 = percentile(a.frt, 0.5)
		r.Assistants = append(r.Assistants, *a)
	}
	return r
}

func addBucket(h []int64, metric string, n int64) []int64 {
	i, err := strconv.Atoi(strings.TrimPrefix(metric, "frt:"))
	if err != nil || i < 0 || i > len(reportBounds) {
		return h
	}
	if h == nil {
		h = make([]int64, len(reportBounds)+1)
	}
	h[i] += n
	return h
}

func (r *ReportRow) add(metric string, n int64) {
	switch metric {
	case "received":
		r.Received += n
	case "first_responses":
		r.FirstResponses += n
	case "sla_met":
		r.SLAMet += n
	case "sla_breached":
		r.SLABreached += n
	case "closed":
		r.Closed += n
	case "reopened":
		r.Reopened += n
	case "feedback_good":
		r.FeedbackGood += n
	case "feedback_bad":
		r.FeedbackBad += n
	default:
		if strings.HasPrefix(metric, "frt:") {
			r.frt = addBucket(r.frt, metric, n)
		}
	}
}

func (r *ReportRow) merge(o ReportRow) {
	r.Received += o.Received
	r.FirstResponses += o.FirstResponses
	r.SLAMet += o.SLAMet
	r.SLABreached += o.SLABreached
	r.Closed += o.Closed
	r.Reopened += o.Reopened
	r.FeedbackGood += o.FeedbackGood
	r.FeedbackBad += o.FeedbackBad
	for i, n := range o.frt {
		r.frt = addBucket(r.frt, "frt:"+strconv.Itoa(i), n)
	}
}

func (r *ReportRow) empty() bool {
	return r.Received == 0 && r.FirstResponses == 0 && r.SLAMet == 0 && r.SLABreached == 0 && r.Closed == 0 &&
		r.Reopened == 0 && r.FeedbackGood == 0 && r.FeedbackBad == 0
}

func (r *ReportRow) percentiles() {
	r.FirstResponseP50 = percentile(r.frt, 0.5)
	r.FirstResponseP90 = percentile(r.frt, 0.9)
}

// percentile returns the upper bound of the bucket of histogram h that holds
// the q-th quantile (the ceil(q·n)-th smallest time); the last bucket, which
// has no upper bound, answers with its lower one. 0 for an empty histogram.
func percentile(h []int64, q float64) int64 {
	var n int64
	for _, c := range h {
		n += c
	}
	if n == 0 {
		return 0
	}
	rank := int64(q * float64(n))
	if float64(rank) < q*float64(n) {
		rank++
	}
	rank = max(rank, 1)
	var seen int64
	for i, c := range h {
		seen += c
		if seen >= rank {
			if i < len(reportBounds) {
				return reportBounds[i]
			}
			break
		}
	}
	return reportBounds[len(reportBounds)-1]
}

// businessAge is how long ticket t has waited at now, in its queue's
// business hours when the queue has a calendar, else around the clock: the
// first-response time the reports count, measured as FirstResponseDue
// measures the deadline.
func (d *Desk) businessAge(t *ticket.Ticket, now time.Time) time.Duration {
	q, _ := d.cfg.Queue(t.Queue)
	if cal, ok := d.cfg.Calendar(q.BusinessHours); ok && q.BusinessHours != "" {
		return cal.OpenTimeBetween(t.CreatedAt, now)
	}
	return max(now.Sub(t.CreatedAt), 0)
}

// ReportZone makes the store count report days in the reports' time zone
// (reports.timezone); serve calls it at start and the summary daily.
func (d *Desk) ReportZone(ctx context.Context) error {
	rs, ok := d.store.(ticket.ReportStore)
	if !ok {
		return nil
	}
	return rs.SetReportZone(ctx, d.reportLocation())
}

func (d *Desk) reportLocation() *time.Location {
	return d.cfg.ReportLocation()
}

// Now is the desk's clock.
func (d *Desk) Now() time.Time { return d.now() }
