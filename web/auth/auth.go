// Package auth is who calls the JSON API or the web UI: the caller (a
// Principal) and the accounts that know them, the roles, each route's access
// (Route), and the bearer-token check of the API. Package api and package ui
// both build on it; the UI's sessions and form tokens are the UI's own.
package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
)

// Principal is the caller of a request: a user account.
type Principal struct {
	Name     string `json:"name"`
	Role     string `json:"role"`     // assistant or manager
	Away     bool   `json:"away"`     // routing skips assistants who are away
	Disabled bool   `json:"disabled"` // signs in neither way; routing skips them too
}

// UserChange is a manager's change to a user: a new role, disabled or
// enabled again; a nil field is left as it is.
type UserChange struct {
	Role     *string
	Disabled *bool
	// By is the manager making the change.
	By string
}

// Accounts is what the API and the UI need of the user accounts (package
// accounts implements it through an adapter in cmd/frontdesk).
type Accounts interface {
	// Authenticate returns the owner of an API token. An error for which
	// fault.IsUnavailable is true means the accounts could not be read (the
	// API answers 503); any other error means the token is not valid (401).
	Authenticate(ctx context.Context, token string) (Principal, error)
	// SetAway sets whether a user is away.
	SetAway(ctx context.Context, name string, away bool) error
	// List returns every user.
	List(ctx context.Context) ([]Principal, error)
	// ChangeUser changes user name's role and whether they are disabled,
	// in one step, and returns the user as they now are. Disabling ends
	// the user's sessions and API tokens at once. An unknown user wraps
	// fault.ErrNotFound, an unknown role fault.ErrInvalid; a manager who
	// would disable or demote themselves, or who is no longer an enabled
	// manager, fault.ErrConflict, with the reason.
	ChangeUser(ctx context.Context, name string, c UserChange) (Principal, error)
	// CalendarToken returns the user's calendar token (the secret in their
	// calendar feed's address), made the first time; ResetCalendarToken
	// makes a new one, and the old address stops working.
	CalendarToken(ctx context.Context, name string) (string, error)
	ResetCalendarToken(ctx context.Context, name string) (string, error)
	// CalendarUser returns the owner of a calendar token; an unknown,
	// replaced or disabled user's token is an error (fault.IsUnavailable
	// false).
	CalendarUser(ctx context.Context, token string) (Principal, error)
}

// Sessions is what the web UI needs of the user accounts to sign people in
// (package accounts implements it through an adapter in cmd/frontdesk).
type Sessions interface {
	// Login checks a name and password sent from client (the request's
	// address, ClientAddr) and starts a session: the user and the session's
	// token. A wrong name or password wraps httperr.ErrUnauthorized or is
	// any other error that fault.IsUnavailable is false for; too many
	// failed attempts wrap ErrTooManyLogins (and, when they came from the
	// client's address, ErrTooManyLoginsFromAddress); the right password of
	// a disabled user wraps ErrAccountDisabled; fault.IsUnavailable errors
	// mean the accounts cannot be read, or too many passwords are being
	// checked at this moment.
	Login(ctx context.Context, name, password string, client netip.Addr) (Principal, string, error)
	// Session returns the user of a session token and keeps the session
	// alive; an unknown or expired token is an error (fault.IsUnavailable
	// false).
	Session(ctx context.Context, token string) (Principal, error)
	// Logout ends a session.
	Logout(ctx context.Context, token string) error
}

var (
	// ErrTooManyLogins is what Sessions.Login wraps while a login brake
	// holds: the UI answers 429.
	ErrTooManyLogins = errors.New("too many failed logins; try again later")
	// ErrTooManyLoginsFromAddress is what Sessions.Login wraps while the
	// brake holds for the client's address rather than for the name.
	// errors.Is(ErrTooManyLoginsFromAddress, ErrTooManyLogins) holds.
	ErrTooManyLoginsFromAddress = fmt.Errorf("%w (from this address)", ErrTooManyLogins)
	// ErrAccountDisabled is what Sessions.Login wraps for the right
	// password of a disabled user: the UI answers 403.
	ErrAccountDisabled = errors.New("this account is disabled")
)

// principalKey is the request context key of the authenticated caller.
type principalKey struct{}

// WithCaller returns ctx carrying p as the authenticated caller: what
// RequireToken does for the API, and the UI's session check for its pages.
func WithCaller(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// Caller returns the authenticated caller of a request. Only handlers behind
// an access check (RequireToken, the UI's session check) may call it; outside
// one it is the zero Principal.
func Caller(r *http.Request) Principal {
	p, _ := r.Context().Value(principalKey{}).(Principal)
	return p
}
