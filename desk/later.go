package desk

import (
	"context"
	"fmt"
	"time"
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
