package accounts

import (
	"context"
	"fmt"

	"frontdesk/fault"
)

// Change is a change to a user's role and standing; a nil field is left as
// it is. Store.Change makes it in one step.
type Change struct {
	// Role is the user's new role; it holds for their sessions and tokens
	// from their next request on.
	Role *Role
	// Disabled disables the user (true) or enables them again (false).
	// Disabling ends every session of the user and revokes every API token
	// of theirs at once, and they cannot sign in until enabled. Enabling
	// gives nothing back: the user signs in again with their password, and
	// gets a new API token from the operator (Store.IssueToken).
	Disabled *bool
	// By is the manager who makes the change through the API or the web UI;
	// "" for the operator at the command line, who may change anyone. A
	// manager may neither disable nor demote themselves
	// (ErrChangeOwnStanding), and must still be an enabled manager at the
	// moment the change is made (ErrNotManager): so two managers demoting
	// each other at once cannot both succeed, and a desk that has an
	// enabled manager keeps one.
	By string
}

var (
	// ErrChangeOwnStanding: a manager tried to disable or demote themselves.
	// It wraps fault.ErrConflict.
	ErrChangeOwnStanding = fmt.Errorf("%w: you cannot disable yourself or give up your own manager role; another manager must do it, so that the desk is never left without one", fault.ErrConflict)
	// ErrNotManager: the manager making a change is no longer an enabled
	// manager (another manager changed them meanwhile). It wraps
	// fault.ErrConflict.
	ErrNotManager = fmt.Errorf("%w: you are no longer an enabled manager", fault.ErrConflict)
)

// Change changes user name's role and whether they are disabled, in one
// atomic step, and returns the user as they now are. An unknown user wraps
// fault.ErrNotFound, an unknown role fault.ErrInvalid; see Change.By for
// ErrChangeOwnStanding and ErrNotManager. A change that changes nothing (a
// role the user has already) is no error.
func (s *Store) Change(ctx context.Context, name string, c Change) (User, error) {
	what := "change user " + name
	if ValidateName(name) != nil {
		return User{}, fmt.Errorf("change user %q: %w", name, fault.ErrNotFound)
	}
	var role, disabled string
	if c.Role != nil {
		if err := validateRole(*c.Role); err != nil {
			return User{}, fmt.Errorf("%s: %w", what, err)
		}
		role = string(*c.Role)
	}
	if c.Disabled != nil {
		disabled = map[bool]string{true: "1", false: "0"}[*c.Disabled]
	}
	by := s.userKey(name)
	if c.By != "" {
		if ValidateName(c.By) != nil {
			return User{}, fmt.Errorf("%s: %w", what, ErrNotManager)
		}
		by = s.userKey(c.By)
	}
	keys := []string{s.userKey(name), s.tokensKey(name), s.sessionsKey(name), by}
	v, err := changeScript.Run(ctx, s.rdb, keys, name, role, disabled, c.By, s.tokenKey(""), s.sessionKey("")).Slice()
	if err != nil {
		return User{}, fault.Redis(what, err)
	}
	status, _ := v[0].(int64)
	switch status {
	case 1:
		u, err := userOf(append([]any{name}, v[1:]...))
		if err != nil {
			return User{}, fmt.Errorf("%s: %w", what, err)
		}
		return u, nil
	case 0:
		return User{}, fmt.Errorf("%s: %w", what, fault.ErrNotFound)
	case -1:
		return User{}, fmt.Errorf("%s: %w", what, ErrNotManager)
	case -2:
		return User{}, fmt.Errorf("%s: %w", what, ErrChangeOwnStanding)
	}
	return User{}, fmt.Errorf("%s: unexpected reply %v", what, v)
}
