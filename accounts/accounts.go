// Package accounts keeps frontdesk's users — assistants and managers — their
// passwords, API tokens and availability, in Redis.
//
// A user signs in two ways: with a password (CheckPassword, for the web UI's
// login form), or with an API token (Authenticate, for "Authorization: Bearer
// TOKEN"). Passwords are stored as argon2id hashes in PHC string form; tokens
// are shown once, when made, and stored only as their SHA-256, and may expire.
// Repeated wrong passwords for one name lock that name for a while
// (ErrLocked), and from one client address that address, whatever the name
// (ErrAddressLocked); at most a few passwords are checked at once (ErrBusy).
// A disabled user (Change) signs in neither way until enabled again.
//
// Errors: invalid input wraps fault.ErrInvalid, an unknown user
// fault.ErrNotFound, a taken name ErrExists (which wraps fault.ErrConflict),
// and a Redis failure is marked with ticket.Unavailable, so the web package
// maps them to HTTP statuses in the same place as the ticket store's.
package accounts

import (
	"errors"
	"fmt"
	"regexp"
	"time"
	"unicode/utf8"

	"frontdesk/fault"
)

// Role says what a user may do.
type Role string

const (
	// RoleAssistant works tickets: takes, answers, hands over and closes them.
	RoleAssistant Role = "assistant"
	// RoleManager does what an assistant does and also edits the routing
	// rules and manages users.
	RoleManager Role = "manager"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RoleAssistant || r == RoleManager }

// User is one account. The password hash and tokens never leave the store.
type User struct {
	Name      string    `json:"name"`
	Role      Role      `json:"role"`
	Away      bool      `json:"away"`
	Disabled  bool      `json:"disabled"` // signs in neither way; routing assigns them nothing
	CreatedAt time.Time `json:"created_at"`
	// passwordGen counts the user's password changes as read with the
	// password; a session records the one its login saw.
	passwordGen string
}

var (
	// ErrUnauthorized: an unknown, malformed or revoked token, or a wrong
	// name or password. It does not say which, on purpose.
	ErrUnauthorized = errors.New("unauthorized")
	// ErrLocked: too many wrong passwords for this name lately; no password
	// is checked until the lock window has passed.
	ErrLocked = errors.New("too many failed logins; try again later")
	// ErrDisabled: the password is right, but the user is disabled.
	ErrDisabled = errors.New("this account is disabled")
	// ErrExists: the user name is taken. errors.Is(ErrExists,
	// fault.ErrConflict) holds.
	ErrExists error = existsError{}
)

type existsError struct{}

func (existsError) Error() string        { return "conflict: the user name is taken" }
func (existsError) Is(target error) bool { return target == fault.ErrConflict }

// MinPasswordLen and MaxPasswordLen bound a password's length, in
// characters and bytes respectively.
const (
	MinPasswordLen = 10
	MaxPasswordLen = 1024
)

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// ValidateName checks a user name: 1 to 64 characters of a-z, 0-9, '.', '_'
// and '-', starting with a letter or digit. The error wraps fault.ErrInvalid.
func ValidateName(name string) error {
	if !nameRE.MatchString(name) {
		return fmt.Errorf("%w: user name %q: must be 1-64 characters of a-z, 0-9, '.', '_', '-', starting with a-z or 0-9", fault.ErrInvalid, name)
	}
	return nil
}

// ValidatePassword checks a password: at least MinPasswordLen characters and
// at most MaxPasswordLen bytes. The error wraps fault.ErrInvalid.
func ValidatePassword(password string) error {
	switch {
	case utf8.RuneCountInString(password) < MinPasswordLen:
		return fmt.Errorf("%w: password: must be at least %d characters", fault.ErrInvalid, MinPasswordLen)
	case len(password) > MaxPasswordLen:
		return fmt.Errorf("%w: password: must be at most %d bytes", fault.ErrInvalid, MaxPasswordLen)
	}
	return nil
}

func validateRole(r Role) error {
	if !r.Valid() {
		return fmt.Errorf("%w: role %q: must be %s or %s", fault.ErrInvalid, r, RoleAssistant, RoleManager)
	}
	return nil
}
