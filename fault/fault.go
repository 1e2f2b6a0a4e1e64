// Package fault names the kinds of failure that every part of frontdesk
// reports, so that the HTTP layer, the pollers and the workers can each decide
// in one place what a failure means to them: a 404 or a 503, a retry or a
// warning on the mail.
//
// Functions wrap a kind with what they were doing:
//
//	fmt.Errorf("assign ticket %s: %w", id, fault.ErrConflict)
//
// and callers test it with errors.Is, or IsUnavailable for the one kind that
// means "the same call may work later".
package fault

import (
	"errors"
	"strings"
)

// Error kinds. Test with errors.Is.
var (
	// ErrNotFound: no such ticket, message, attachment, customer, user or
	// rule set version, or an empty queue.
	ErrNotFound = errors.New("not found")
	// ErrInvalid: the input is malformed; the same input fails again.
	ErrInvalid = errors.New("invalid input")
	// ErrConflict: the thing is not in a state that allows the change (a
	// lease renewed by someone who does not hold it, a rule set changed
	// since it was read, a ticket held by someone else).
	ErrConflict = errors.New("conflict")
	// ErrTooLarge: the data exceeds a configured size cap.
	ErrTooLarge = errors.New("too large")
	// ErrUnavailable: the backing database could not be reached or could
	// not do the work now; the operation did not complete and may be
	// retried. Wrap a cause with Unavailable rather than with %w.
	ErrUnavailable = errors.New("store unavailable")
	// ErrFull: Redis refused a write because it reached its memory limit.
	// It is also unavailable (the write may work once memory is freed), but
	// it needs an operator, not patience: it is logged and shown as such.
	ErrFull = errors.New("redis is full (maxmemory reached): free memory or raise maxmemory")
)

// IsUnavailable reports whether err means the store could not be reached or
// could not do the work now, so that the same call may succeed later
// (webhooks answer 503, pollers retry without counting it against the mail).
func IsUnavailable(err error) bool { return errors.Is(err, ErrUnavailable) }

// IsFull reports whether err is Redis refusing a write for want of memory.
func IsFull(err error) bool { return errors.Is(err, ErrFull) }

// Unavailable wraps err, a failure to reach or use the backing database, so
// that IsUnavailable recognises it while errors.Unwrap still reaches the cause.
func Unavailable(err error) error {
	if err == nil {
		return nil
	}
	return &unavailableError{err: err}
}

type unavailableError struct{ err error }

func (e *unavailableError) Error() string        { return e.err.Error() }
func (e *unavailableError) Unwrap() error        { return e.err }
func (e *unavailableError) Is(target error) bool { return target == ErrUnavailable }

// Reason is what err says to a person: the words after its kind ("the
// customer left no address or number to reply to" of "reply to ticket 1042:
// conflict: the customer left no address…"), without the kind's own word or
// the steps that led there. An error that says nothing beyond its kind reads
// as the whole message.
func Reason(err error) string {
	msg := err.Error()
	best := -1
	for _, k := range []error{ErrNotFound, ErrInvalid, ErrConflict, ErrTooLarge} {
		if i := strings.LastIndex(msg, k.Error()+": "); i >= 0 && i+len(k.Error())+2 > best {
			best = i + len(k.Error()) + 2
		}
	}
	if best < 0 || best >= len(msg) {
		return msg
	}
	return msg[best:]
}
