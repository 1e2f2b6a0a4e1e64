package main

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"

	"frontdesk/accounts"
	"frontdesk/config"
	"frontdesk/fault"
	"frontdesk/ticket"
	"frontdesk/web/auth"
	"frontdesk/web/ui"
)

// teamMembers tells routing's assignment who is unavailable (accounts) and
// how many tickets each has open (the ticket store).
type teamMembers struct {
	users *accounts.Store
	store ticket.Store
}

// Away reports whether name is unavailable for assignment: marked away, or
// disabled.
func (m teamMembers) Away(ctx context.Context, name string) (bool, error) {
	u, err := m.users.Get(ctx, name)
	if err != nil {
		return false, err
	}
	return u.Away || u.Disabled, nil
}

func (m teamMembers) OpenCount(ctx context.Context, name string) (int, error) {
	return m.store.OpenCount(ctx, name)
}

// deskPeople tells the desk who the users are (accounts).
type deskPeople struct{ users *accounts.Store }

func (p deskPeople) IsUser(ctx context.Context, name string) (bool, error) {
	_, err := p.users.Get(ctx, name)
	if errors.Is(err, fault.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// webAccounts adapts the accounts store to what the JSON API needs of it.
type webAccounts struct{ s *accounts.Store }

var _ auth.Accounts = webAccounts{}

func principal(u accounts.User) auth.Principal {
	return auth.Principal{Name: u.Name, Role: string(u.Role), Away: u.Away, Disabled: u.Disabled}
}

func (a webAccounts) Authenticate(ctx context.Context, token string) (auth.Principal, error) {
	u, err := a.s.Authenticate(ctx, token)
	if err != nil {
		return auth.Principal{}, err
	}
	return principal(u), nil
}

func (a webAccounts) SetAway(ctx context.Context, name string, away bool) error {
	return a.s.SetAway(ctx, name, away)
}

func (a webAccounts) List(ctx context.Context) ([]auth.Principal, error) {
	users, err := a.s.List(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]auth.Principal, 0, len(users))
	for _, u := range users {
		out = append(out, principal(u))
	}
	return out, nil
}

func (a webAccounts) ChangeUser(ctx context.Context, name string, c auth.UserChange) (auth.Principal, error) {
	change := accounts.Change{Disabled: c.Disabled, By: c.By}
	if c.Role != nil {
		role := accounts.Role(*c.Role)
		change.Role = &role
	}
	u, err := a.s.Change(ctx, name, change)
	if err != nil {
		return auth.Principal{}, err
	}
	return principal(u), nil
}

func (a webAccounts) CalendarToken(ctx context.Context, name string) (string, error) {
	return a.s.CalendarToken(ctx, name)
}

func (a webAccounts) ResetCalendarToken(ctx context.Context, name string) (string, error) {
	return a.s.ResetCalendarToken(ctx, name)
}

func (a webAccounts) CalendarUser(ctx context.Context, token string) (auth.Principal, error) {
	u, err := a.s.CalendarUser(ctx, token)
	if err != nil {
		return auth.Principal{}, err
	}
	return principal(u), nil
}

var (
	_ auth.Sessions = webAccounts{}
	_ ui.UserAdmin  = webAccounts{}
)

func (a webAccounts) Login(ctx context.Context, name, password string, client netip.Addr) (auth.Principal, string, error) {
	u, token, err := a.s.Login(ctx, name, password, client)
	switch {
	case errors.Is(err, accounts.ErrAddressLocked):
		return auth.Principal{}, "", fmt.Errorf("login %s from %s: %w", name, client, auth.ErrTooManyLoginsFromAddress)
	case errors.Is(err, accounts.ErrLocked):
		return auth.Principal{}, "", fmt.Errorf("login %s: %w", name, auth.ErrTooManyLogins)
	case errors.Is(err, accounts.ErrDisabled):
		return auth.Principal{}, "", fmt.Errorf("login %s: %w", name, auth.ErrAccountDisabled)
	case err != nil:
		return auth.Principal{}, "", err
	}
	return principal(u), token, nil
}

func (a webAccounts) Session(ctx context.Context, token string) (auth.Principal, error) {
	u, err := a.s.Session(ctx, token)
	if err != nil {
		return auth.Principal{}, err
	}
	return principal(u), nil
}

func (a webAccounts) Logout(ctx context.Context, token string) error { return a.s.Logout(ctx, token) }

func (a webAccounts) AddUser(ctx context.Context, name, role, password string) error {
	_, err := a.s.Add(ctx, name, accounts.Role(role), password)
	return err
}

func (a webAccounts) SetPassword(ctx context.Context, name, password string) error {
	return a.s.SetPassword(ctx, name, password)
}

// deskSettings is the configuration the managers' "queues and hours" page
// shows.
func deskSettings(cfg *config.Config) *ui.DeskSettings {
	var d ui.DeskSettings
	for _, q := range cfg.Queues {
		d.Queues = append(d.Queues, ui.QueueSettings{
			Name: q.Name, Address: q.Address, AutoAck: q.AutoAck,
			FirstResponse: q.FirstResponse, BusinessHours: q.BusinessHours,
		})
	}
	for _, t := range cfg.Teams {
		d.Teams = append(d.Teams, ui.TeamSettings{Name: t.Name, Members: t.Members, MaxOpenPerMember: t.MaxOpenPerMember})
	}
	names := make([]string, 0, len(cfg.BusinessHours))
	for n := range cfg.BusinessHours {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		c := cfg.BusinessHours[n]
		d.BusinessHours = append(d.BusinessHours, ui.BusinessHoursSettings{
			Name: n, Timezone: c.Timezone, Days: c.Days, Hours: c.Hours, Holidays: c.Holidays,
		})
	}
	return &d
}
