package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"frontdesk/accounts"
	"frontdesk/config"
	"frontdesk/routing/dispatch"
	"frontdesk/ticket"
	"frontdesk/web/auth"
	"frontdesk/web/desk"
	"frontdesk/web/ui"
)

// teamMembers tells routing's assignment who is away (accounts) and how many
// tickets each has open (the ticket store).
type teamMembers struct {
	users *accounts.Store
	store ticket.Store
}

func (m teamMembers) Away(ctx context.Context, name string) (bool, error) {
	u, err := m.users.Get(ctx, name)
	if err != nil {
		return false, err
	}
	return u.Away, nil
}

func (m teamMembers) OpenCount(ctx context.Context, name string) (int, error) {
	return m.store.OpenCount(ctx, name)
}

// webRules adapts the rule service to what the API needs of it.
type webRules struct{ r *dispatch.Rules }

var _ desk.RuleSets = webRules{}

func (w webRules) Current(ctx context.Context) (any, error) { return w.r.Current(ctx) }
func (w webRules) Replace(ctx context.Context, body []byte, by string) (int, error) {
	return w.r.Replace(ctx, body, by)
}
func (w webRules) Test(ctx context.Context, body []byte) (any, error) { return w.r.Test(ctx, body) }
func (w webRules) History(ctx context.Context, limit int) (any, error) {
	h, err := w.r.History(ctx, limit)
	if err != nil {
		return nil, err
	}
	out := make([]json.RawMessage, 0, len(h))
	for _, v := range h {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}
func (w webRules) Reroute(ctx context.Context, id, by string) (any, error) {
	return w.r.Reroute(ctx, id, by)
}
func (w webRules) Rollback(ctx context.Context, version int, by string) (int, error) {
	return w.r.Rollback(ctx, version, by)
}

// webAccounts adapts the accounts store to what the JSON API needs of it.
type webAccounts struct{ s *accounts.Store }

var _ auth.Accounts = webAccounts{}

func principal(u accounts.User) auth.Principal {
	return auth.Principal{Name: u.Name, Role: string(u.Role), Away: u.Away}
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

var (
	_ auth.Sessions = webAccounts{}
	_ ui.UserAdmin  = webAccounts{}
)

func (a webAccounts) Login(ctx context.Context, name, password string) (auth.Principal, string, error) {
	u, token, err := a.s.Login(ctx, name, password)
	if errors.Is(err, accounts.ErrLocked) {
		return auth.Principal{}, "", fmt.Errorf("login %s: %w", name, auth.ErrTooManyLogins)
	}
	if err != nil {
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
