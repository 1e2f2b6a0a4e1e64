package ticket

import (
	"context"
	"time"
)

// ReportDay is one day's report counters, as the store keeps them: counter
// name → count. Names are QUEUE|CHANNEL|METRIC for the desk's figures and
// @USER|METRIC for an assistant's; METRIC frt:N counts first responses in
// the Nth bucket of their time in business hours.
type ReportDay struct {
	// Date is the day, YYYY-MM-DD, in the reports' time zone.
	Date   string
	Counts map[string]int64
	// Version counts the changes of the day's counters.
	Version int64
	// Packed says Pack holds the day's figures as the desk saved them, in
	// place of Counts.
	Packed bool
	Pack   string
}

// Feedback is a customer's answer to "Was this helpful?" on a ticket.
type Feedback struct {
	// Good is a thumbs up; false a thumbs down.
	Good bool
	// Comment is what the customer wrote with it, if anything.
	Comment string
	// At is when the answer was first given; it may be changed for a day.
	At time.Time
}

// ReportPack is the desk's summary, Pack, of day Date's counters as they
// were at version Version.
type ReportPack struct {
	Date    string
	Version int64
	Pack    string
}

// ReportStore is what a store offers the daily reports beside Store: the
// counters that its scripts keep as tickets change (received, first
// responses and their business time, SLA met or breached, closed,
// reopened, feedback), read per day.
type ReportStore interface {
	// SetReportZone makes loc the time zone whose days the counters
	// count in, from now on, for every instance.
	SetReportZone(ctx context.Context, loc *time.Location) error
	// ReadReport reads, in one round trip, each day of dates
	// (YYYY-MM-DD): the pack saved for it when there is one, else its
	// counters (none: an empty map) and their version, which every change
	// of a counter of the day moves on (and which drops its pack).
	ReadReport(ctx context.Context, dates []string) ([]ReportDay, error)
	// SaveReportPacks keeps, in one round trip, each pack (the desk's
	// summary of a day's counters as they were at its version) unless a
	// counter of its day changed since (then not that one): later reads of
	// the day read the pack.
	SaveReportPacks(ctx context.Context, packs []ReportPack) error
	// RecordFeedback records a customer's answer on a ticket: an event
	// feedback_good or feedback_bad with the comment, counted in the
	// reports on the day it was first given. A later answer replaces it
	// within window after the first; after that fault.ErrConflict.
	RecordFeedback(ctx context.Context, id string, f Feedback, window time.Duration) error
	// TicketFeedback returns the answer given on a ticket, and false when
	// there is none.
	TicketFeedback(ctx context.Context, id string) (Feedback, bool, error)
}
