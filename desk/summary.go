package desk

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"frontdesk/fault"
	"frontdesk/internal/words"
	"frontdesk/ticket"
)

// summaryWaiting is how many of the longest-waiting tickets, and of the
// overdue ones, a morning summary lists.
const summaryWaiting = 10

// MorningSummary mails notify.managers yesterday's figures, the tickets
// whose first response is overdue and those that wait longest, when
// reports.morning_summary is set and its time of day has come (in the
// reports' time zone) at now. It is sent once per day across instances
// (Notify's key names the day); it reports whether this call sent it.
func (d *Desk) MorningSummary(ctx context.Context, now time.Time) (bool, error) {
	at, ok := d.cfg.Reports.SummaryAt()
	if !ok || len(d.cfg.Notify.Managers) == 0 {
		return false, nil
	}
	loc := d.reportLocation()
	local := now.In(loc)
	y, m, day := local.Date()
	due := time.Date(y, m, day, int(at/time.Hour), int(at%time.Hour/time.Minute), 0, 0, loc)
	if local.Before(due) {
		return false, nil
	}
	yesterday := time.Date(y, m, day-1, 12, 0, 0, 0, loc).Format(time.DateOnly)
	key := "morning-summary:" + yesterday
	if _, err := d.store.FindSource(ctx, "notice:"+key+":mail"); err == nil {
		return false, nil // sent already, here or by another instance
	} else if !errors.Is(err, fault.ErrNotFound) {
		return false, fmt.Errorf("morning summary of %s: %w", yesterday, err)
	}
	text, err := d.summaryText(ctx, yesterday, now)
	if err != nil {
		return false, err
	}
	_, err = d.Notify(ctx, Notice{Key: key, To: d.cfg.Notify.Managers,
		Subject: "frontdesk: the day of " + yesterday, Text: text, Queue: d.firstQueue()})
	if err != nil {
		return false, fmt.Errorf("morning summary of %s: %w", yesterday, err)
	}
	return true, nil
}

func (d *Desk) firstQueue() string {
	if qs := d.Queues(); len(qs) > 0 {
		return qs[0]
	}
	return ""
}

// summaryText writes the summary of date: its figures per queue and
// channel and per assistant, then what is overdue and what waits longest
// at now.
func (d *Desk) summaryText(ctx context.Context, date string, now time.Time) (string, error) {
	rep, err := d.DailyReport(ctx, date, date)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	t := rep.Total
	fmt.Fprintf(&b, "Good morning. This is how %s went at the front desk.\n\n", date)
	fmt.Fprintf(&b, "Received: %d\nFirst responses: %d", t.Received, t.FirstResponses)
	if t.FirstResponses > 0 {
		fmt.Fprintf(&b, " (median %s, 9 in 10 within %s of business time)", words.Seconds(t.FirstResponseP50), words.Seconds(t.FirstResponseP90))
	}
	fmt.Fprintf(&b, "\nAnswered on time: %d\nLate: %d\nClosed: %d\nReopened: %d\nHelpful: %d, not helpful: %d\n",
		t.SLAMet, t.SLABreached, t.Closed, t.Reopened, t.FeedbackGood, t.FeedbackBad)
	if len(rep.Rows) > 0 {
		b.WriteString("\nBy queue:\n")
		for _, r := range rep.Rows {
			fmt.Fprintf(&b, "  %s (%s): %d received, %d answered, %d late, %d closed\n", r.Queue, r.Channel, r.Received, r.FirstResponses, r.SLABreached, r.Closed)
		}
	}
	if len(rep.Assistants) > 0 {
		b.WriteString("\nBy assistant:\n")
		for _, a := range rep.Assistants {
			fmt.Fprintf(&b, "  %s: %d handled, %d first responses\n", a.Assistant, a.Handled, a.FirstResponses)
		}
	}
	var waiting []ticket.Ticket
	for _, q := range d.Queues() {
		ts, err := d.store.Waiting(ctx, q, 200)
		if err != nil {
			return "", fmt.Errorf("morning summary: waiting in %s: %w", q, err)
		}
		waiting = append(waiting, ts...)
	}
	slices.SortFunc(waiting, func(a, b ticket.Ticket) int { return a.CreatedAt.Compare(b.CreatedAt) })
	var overdue []ticket.Ticket
	for _, tk := range waiting {
		if tk.FirstResponseAt == nil && tk.FirstResponseDue != nil && !tk.FirstResponseDue.After(now) {
			overdue = append(overdue, tk)
		}
	}
	list := func(title string, ts []ticket.Ticket) {
		if len(ts) == 0 {
			return
		}
		fmt.Fprintf(&b, "\n%s:\n", title)
		for _, tk := range ts[:min(len(ts), summaryWaiting)] {
			fmt.Fprintf(&b, "  #%s %s (%s, waiting %s)\n", tk.ID, tk.Subject, tk.Queue, words.Seconds(int64(now.Sub(tk.CreatedAt)/time.Second)))
		}
		if len(ts) > summaryWaiting {
			fmt.Fprintf(&b, "  and %d more\n", len(ts)-summaryWaiting)
		}
	}
	list("Overdue, still without a first response", overdue)
	list("Waiting longest", waiting)
	if len(waiting) == 0 {
		b.WriteString("\nNobody is waiting.\n")
	}
	return b.String(), nil
}

// RunReports keeps the reports' time zone in the store (at start and every
// day) and sends the morning summary when its time comes, checking every
// minute, until ctx ends. Every instance runs it; the summary goes once.
func (d *Desk) RunReports(ctx context.Context) {
	var zoneSet time.Time
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		now := d.now()
		if now.Sub(zoneSet) > 24*time.Hour {
			if err := d.ReportZone(ctx); err != nil {
				d.logger.Warn("set the reports' time zone", slog.Any("error", err))
			} else {
				zoneSet = now
			}
		}
		if _, err := d.MorningSummary(ctx, now); err != nil && ctx.Err() == nil {
			d.logger.Warn("morning summary", slog.Any("error", err))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
