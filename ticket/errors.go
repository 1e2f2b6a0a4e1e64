package ticket

import "errors"

// Error kinds. Store methods wrap them with what was being done; test with
// errors.Is. The web package maps them to HTTP statuses in one place.
var (
	// ErrNotFound: no such ticket, message, attachment, customer, or an empty queue.
	ErrNotFound = errors.New("not found")
	// ErrInvalid: the input is malformed; retrying the same input fails again.
	ErrInvalid = errors.New("invalid input")
	// ErrConflict: the ticket is not in a state that allows the change (say, a
	// lease renewed by someone who does not hold it).
	ErrConflict = errors.New("conflict")
	// ErrTooLarge: the data exceeds a configured size cap.
	ErrTooLarge = errors.New("too large")
	// ErrUnavailable: the backing database could not be reached or failed; the
	// operation did not complete and may be retried.
	ErrUnavailable = errors.New("store unavailable")
)

// IsUnavailable reports whether err means the store could not be reached, so
// that the same call may succeed later (webhooks answer 503, pollers retry).
func IsUnavailable(err error) bool { return errors.Is(err, ErrUnavailable) }

// Unavailable wraps err, a failure to reach or use the backing database, so that
// IsUnavailable recognises it while errors.Unwrap still reaches the cause.
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
