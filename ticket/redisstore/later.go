package redisstore

import (
	"context"
	"fmt"
	"time"

	"frontdesk/fault"
)

// maxSnooze is how far ahead a snooze may go: further is a typing mistake.
const maxSnooze = 366 * 24 * time.Hour

// Snooze sets a ticket aside until a time; see ticket.Store. The time must
// be in the future by the store's clock, and within a year.
func (s *Store) Snooze(ctx context.Context, id string, until time.Time, by string) error {
	if err := validID(id); err != nil {
		return err
	}
	if by == "" {
		return fmt.Errorf("snooze ticket %s: who snoozes it is required: %w", id, fault.ErrInvalid)
	}
	now := s.now()
	switch {
	case !until.After(now):
		return fmt.Errorf("snooze ticket %s: the time to come back must be in the future: %w", id, fault.ErrInvalid)
	case until.Sub(now) > maxSnooze:
		return fmt.Errorf("snooze ticket %s: the time to come back must be within a year: %w", id, fault.ErrInvalid)
	}
	err := s.scripts.snooze.Run(ctx, s.rdb, []string{s.ticketKey(id)},
		s.base, id, ms(until), until.UTC().Format(time.RFC3339), by, ms(now), rfc(now)).Err()
	return wrap("snooze ticket "+id, err)
}

// wakeBatch bounds the tickets one wake script handles.
const wakeBatch = 200

// WakeDue puts the tickets whose snooze or call-back time has come at the
// head of their queues, in rounds of a bounded size.
func (s *Store) WakeDue(ctx context.Context) (int, error) {
	total := 0
	for {
		now := s.now()
		n, err := s.scripts.wake.Run(ctx, s.rdb, []string{s.key("wakes")}, s.base, ms(now), rfc(now), wakeBatch).Int()
		if err != nil {
			return total, wrap("wake snoozed tickets", err)
		}
		total += n
		if n < wakeBatch {
			return total, nil
		}
	}
}
