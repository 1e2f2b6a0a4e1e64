package desk

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"frontdesk/fault"
	"frontdesk/ticket"
)

// Snooze sets a ticket aside until a time, for by: it is pending until then,
// on by's snoozed list, and then waits at the head of its queue for whoever
// takes next (event snooze_ended). A customer's new message ends the snooze
// early; so does a change of status or a release by hand. A time in the
// past or more than a year ahead is fault.ErrInvalid; a closed or merged
// ticket fault.ErrConflict.
func (d *Desk) Snooze(ctx context.Context, id string, until time.Time, by string) error {
	if err := d.store.Snooze(ctx, id, until, by); err != nil {
		return fmt.Errorf("snooze ticket %s: %w", id, err)
	}
	return nil
}

// WakeDue puts the tickets whose snooze or call-back time has come at the
// head of their queues; every instance runs it now and then (claims do it
// too, on their way).
func (d *Desk) WakeDue(ctx context.Context) (int, error) { return d.store.WakeDue(ctx) }

// maxCallbackNote bounds a call-back's note.
const maxCallbackNote = 500

// PlanCallback plans a call-back on a ticket at a time, with a note for who
// calls: at that time the ticket waits at the head of its queue (event
// callback_due). It replaces a snooze, or a call-back planned before. A time
// in the past or more than a year ahead is fault.ErrInvalid; a closed or
// merged ticket fault.ErrConflict.
func (d *Desk) PlanCallback(ctx context.Context, id string, at time.Time, note, by string) error {
	note = strings.TrimSpace(note)
	if len(note) > maxCallbackNote {
		return fmt.Errorf("%w: a call-back's note is at most %d characters", fault.ErrInvalid, maxCallbackNote)
	}
	if err := d.store.PlanCallback(ctx, id, at, note, by); err != nil {
		return fmt.Errorf("plan a call-back on ticket %s: %w", id, err)
	}
	return nil
}

// CancelCallback cancels the call-back planned on a ticket.
func (d *Desk) CancelCallback(ctx context.Context, id, by string) error {
	if err := d.store.CancelCallback(ctx, id, by); err != nil {
		return fmt.Errorf("cancel the call-back on ticket %s: %w", id, err)
	}
	return nil
}

// CallbacksOn returns the tickets with a call-back planned on the day of day
// (in day's location), soonest first: the board's "call-backs today".
func (d *Desk) CallbacksOn(ctx context.Context, day time.Time) ([]ticket.Ticket, error) {
	start := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, day.Location())
	return d.store.Callbacks(ctx, start, start.AddDate(0, 0, 1).Add(-time.Millisecond), 500)
}

// Location is the desk's own timezone, for what is "today": the timezone
// of the first queue's business hours, else of any calendar, else UTC.
func (d *Desk) Location() *time.Location {
	for _, q := range d.cfg.Queues {
		if cal, ok := d.cfg.Calendar(q.BusinessHours); ok {
			return cal.Location()
		}
	}
	for _, name := range slices.Sorted(maps.Keys(d.cfg.BusinessHours)) {
		return d.cfg.BusinessHours[name].Location()
	}
	return time.UTC
}
