package redisstore

import (
	"context"
	"fmt"
	"time"

	"frontdesk/fault"
	"frontdesk/ticket"
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

// maxCallbackNote bounds a call-back's note: a line or two.
const maxCallbackNote = 500

// PlanCallback plans a call-back on a ticket; see ticket.Store. The time must
// be in the future and within a year.
func (s *Store) PlanCallback(ctx context.Context, id string, at time.Time, note, by string) error {
	if err := validID(id); err != nil {
		return err
	}
	if by == "" {
		return fmt.Errorf("plan a call-back on ticket %s: who plans it is required: %w", id, fault.ErrInvalid)
	}
	if len(note) > maxCallbackNote {
		return fmt.Errorf("plan a call-back on ticket %s: the note is longer than %d bytes: %w", id, maxCallbackNote, fault.ErrInvalid)
	}
	now := s.now()
	switch {
	case !at.After(now):
		return fmt.Errorf("plan a call-back on ticket %s: the time must be in the future: %w", id, fault.ErrInvalid)
	case at.Sub(now) > maxSnooze:
		return fmt.Errorf("plan a call-back on ticket %s: the time must be within a year: %w", id, fault.ErrInvalid)
	}
	err := s.scripts.callback.Run(ctx, s.rdb, []string{s.ticketKey(id)},
		s.base, id, ms(at), at.UTC().Format(time.RFC3339), note, by, ms(now), rfc(now)).Err()
	return wrap("plan a call-back on ticket "+id, err)
}

// CancelCallback cancels the call-back planned on a ticket, if any.
func (s *Store) CancelCallback(ctx context.Context, id, by string) error {
	if err := validID(id); err != nil {
		return err
	}
	now := s.now()
	err := s.scripts.callback.Run(ctx, s.rdb, []string{s.ticketKey(id)},
		s.base, id, "", "", "", by, ms(now), rfc(now)).Err()
	return wrap("cancel the call-back on ticket "+id, err)
}

// Callbacks returns the tickets with a call-back planned between from and
// to; see ticket.Store.
func (s *Store) Callbacks(ctx context.Context, from, to time.Time, limit int) ([]ticket.Ticket, error) {
	if limit < 1 || limit > 500 {
		return nil, fmt.Errorf("call-backs: limit %d must be 1-500: %w", limit, fault.ErrInvalid)
	}
	v, err := s.scripts.callbacks.Run(ctx, s.rdb, []string{s.key("callbacks")}, s.base, ms(from), ms(to), limit).Slice()
	if err != nil {
		return nil, wrap("call-backs", err)
	}
	out := make([]ticket.Ticket, 0, len(v)/2)
	for i := 0; i+1 < len(v); i += 2 {
		out = append(out, *decodeTicket(v[i], v[i+1]))
	}
	return out, nil
}
