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
	// to first: without from, a span's from is derived from to (the
	// handlers' ReportSpan), and a bad to must be named, not the from it
	// left empty.
	t, err := time.Parse(time.DateOnly, to)
	if err != nil {
		return nil, fmt.Errorf("%w: to: want a date, YYYY-MM-DD", fault.ErrInvalid)
	}
	f, err := time.Parse(time.DateOnly, from)
	if err != nil {
		return nil, fmt.Errorf("%w: from: want a date, YYYY-MM-DD", fault.ErrInvalid)
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
// store's scripts keep, in one round trip however long the span. A day
// older than packAfter is summed up once, at its first read, into a pack
// (all of a read's in one more round trip) that later reads take instead
// of its counters (the store drops it should a counter of the day change
// after all).
func (d *Desk) DailyReport(ctx context.Context, from, to string) (Report, error) {
	dates, err := ReportDates(from, to)
	if err != nil {
		return Report{}, err
	}
	rs, ok := d.store.(ticket.ReportStore)
	if !ok {
		return Report{}, fmt.Errorf("daily report: the store keeps no report counters: %w", fault.ErrConflict)
	}
	data, err := rs.ReadReport(ctx, dates)
	if err != nil {
		return Report{}, err
	}
	cutoff := d.now().In(d.reportLocation()).Add(-packAfter).Format(time.DateOnly)
	days := make([]dayFigures, 0, len(data))
	var packs []ticket.ReportPack
	for _, day := range data {
		if day.Packed {
			days = append(days, decodePack(day.Date, day.Pack))
			continue
		}
		f := countsToFigures(day)
		if day.Date < cutoff && day.Version > 0 {
			packs = append(packs, ticket.ReportPack{Date: day.Date, Version: day.Version, Pack: encodePack(f)})
		}
		days = append(days, f)
	}
	if err := rs.SaveReportPacks(ctx, packs); err != nil {
		d.logger.Warn("save days of the daily report", "days", len(packs), "error", err)
	}
	return buildReport(from, to, dates, days), nil
}

// packAfter is how old a day must be for its figures to be packed: by then
// little counts in it any more (feedback may change for a day after it was
// given).
const packAfter = 2 * 24 * time.Hour

// dayFigures are one day's rows (by queue, then channel) and assistants (by
// name), with their histograms.
type dayFigures struct {
	date   string
	rows   []ReportRow
	people []AssistantRow
}

// countsToFigures reads a day's counters.
func countsToFigures(day ticket.ReportDay) dayFigures {
	rows := map[[2]string]*ReportRow{}
	people := map[string]*AssistantRow{}
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
	}
	f := dayFigures{date: day.Date}
	for _, row := range rows {
		if !row.empty() {
			f.rows = append(f.rows, *row)
		}
	}
	slices.SortFunc(f.rows, func(a, b ReportRow) int {
		if c := strings.Compare(a.Queue, b.Queue); c != 0 {
			return c
		}
		return strings.Compare(a.Channel, b.Channel)
	})
	for _, a := range people {
		f.people = append(f.people, *a)
	}
	slices.SortFunc(f.people, func(a, b AssistantRow) int { return strings.Compare(a.Assistant, b.Assistant) })
	return f
}

// encodePack writes a day's figures as text, a line a row:
// "R QUEUE\tCHANNEL\tCOUNTS\tHISTOGRAM", "A NAME\tHANDLED FIRST\tHISTOGRAM",
// counts space-separated, a histogram as "BUCKET:N" pairs.
func encodePack(day dayFigures) string {
	var b strings.Builder
	hist := func(h []int64) {
		first := true
		for i, n := range h {
			if n != 0 {
				if !first {
					b.WriteByte(' ')
				}
				first = false
				b.WriteString(strconv.Itoa(i))
				b.WriteByte(':')
				b.WriteString(strconv.FormatInt(n, 10))
			}
		}
	}
	for _, r := range day.rows {
		fmt.Fprintf(&b, "R %s\t%s\t", r.Queue, r.Channel)
		for i, p := range r.counters() {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(strconv.FormatInt(*p, 10))
		}
		b.WriteByte('\t')
		hist(r.frt)
		b.WriteByte('\n')
	}
	for _, a := range day.people {
		fmt.Fprintf(&b, "A %s\t%d %d\t", a.Assistant, a.Handled, a.FirstResponses)
		hist(a.frt)
		b.WriteByte('\n')
	}
	return b.String()
}

// decodePack reads encodePack's text of the day date; lines it does not
// understand are left out. It splits by hand: a year's report reads
// thousands of lines.
func decodePack(date, s string) dayFigures {
	day := dayFigures{date: date}
	for len(s) > 0 {
		line, rest, _ := strings.Cut(s, "\n")
		s = rest
		if len(line) < 2 {
			continue
		}
		kind := line[0]
		f0, line, _ := strings.Cut(line[2:], "\t")
		switch kind {
		case 'R':
			channel, line, _ := strings.Cut(line, "\t")
			counts, hist, _ := strings.Cut(line, "\t")
			r := ReportRow{Date: date, Queue: f0, Channel: channel, frt: parseHist(hist)}
			c := r.counters()
			parseInts(counts, c[:]...)
			day.rows = append(day.rows, r)
		case 'A':
			counts, hist, _ := strings.Cut(line, "\t")
			a := AssistantRow{Assistant: f0, frt: parseHist(hist)}
			parseInts(counts, &a.Handled, &a.FirstResponses)
			day.people = append(day.people, a)
		}
	}
	return day
}

// parseInts reads space-separated numbers into into, in order.
func parseInts(s string, into ...*int64) {
	for _, p := range into {
		var w string
		w, s, _ = strings.Cut(s, " ")
		*p, _ = strconv.ParseInt(w, 10, 64)
	}
}

// parseHist reads "BUCKET:N" pairs, space-separated, into a histogram.
func parseHist(s string) []int64 {
	if s == "" {
		return nil
	}
	h := make([]int64, len(reportBounds)+1)
	for len(s) > 0 {
		var w string
		w, s, _ = strings.Cut(s, " ")
		i, n, _ := strings.Cut(w, ":")
		bi, err1 := strconv.Atoi(i)
		bn, err2 := strconv.ParseInt(n, 10, 64)
		if err1 == nil && err2 == nil && bi >= 0 && bi < len(h) {
			h[bi] += bn
		}
	}
	return h
}

// buildReport adds up days' figures into a report of dates.
func buildReport(from, to string, dates []string, days []dayFigures) Report {
	r := Report{From: from, To: to, Total: ReportRow{Date: from + "/" + to}}
	byDate := make(map[string]*dayFigures, len(days))
	for i := range days {
		byDate[days[i].date] = &days[i]
	}
	people := map[string]*AssistantRow{}
	for _, date := range dates {
		total := ReportRow{Date: date}
		if f := byDate[date]; f != nil {
			for _, row := range f.rows {
				row.percentiles()
				r.Rows = append(r.Rows, row)
				total.merge(row)
			}
			for _, a := range f.people {
				p := people[a.Assistant]
				if p == nil {
					p = &AssistantRow{Assistant: a.Assistant}
					people[a.Assistant] = p
				}
				p.Handled += a.Handled
				p.FirstResponses += a.FirstResponses
				p.frt = mergeHist(p.frt, a.frt)
			}
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

func mergeHist(into, h []int64) []int64 {
	if len(h) == 0 {
		return into
	}
	if into == nil {
		into = make([]int64, len(reportBounds)+1)
	}
	for i, n := range h {
		if i < len(into) {
			into[i] += n
		}
	}
	return into
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

// reportMetrics are the names the store counts a row's counters under
// (report.lua), in the order counters lists them; the order is also the
// packs' (encodePack).
var reportMetrics = [...]string{"received", "first_responses", "sla_met", "sla_breached", "closed", "reopened",
	"feedback_good", "feedback_bad"}

// counters lists the row's counters, in reportMetrics' order.
func (r *ReportRow) counters() [len(reportMetrics)]*int64 {
	return [...]*int64{&r.Received, &r.FirstResponses, &r.SLAMet, &r.SLABreached, &r.Closed, &r.Reopened,
		&r.FeedbackGood, &r.FeedbackBad}
}

func (r *ReportRow) add(metric string, n int64) {
	if i := slices.Index(reportMetrics[:], metric); i >= 0 {
		*r.counters()[i] += n
	} else if strings.HasPrefix(metric, "frt:") {
		r.frt = addBucket(r.frt, metric, n)
	}
}

func (r *ReportRow) merge(o ReportRow) {
	oc := o.counters()
	for i, p := range r.counters() {
		*p += *oc[i]
	}
	r.frt = mergeHist(r.frt, o.frt)
}

func (r *ReportRow) empty() bool {
	for _, p := range r.counters() {
		if *p != 0 {
			return false
		}
	}
	return true
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

// SumRows adds up rows (of one queue and channel, over days) into one, its
// percentiles from their histograms together.
func SumRows(queue, channel string, rows []ReportRow) ReportRow {
	sum := ReportRow{Queue: queue, Channel: channel}
	for _, r := range rows {
		sum.merge(r)
	}
	sum.percentiles()
	return sum
}
