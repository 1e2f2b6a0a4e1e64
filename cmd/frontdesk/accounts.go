package main

import (
	"context"

	"frontdesk/accounts"
	"frontdesk/web"
)

// webAccounts adapts the accounts store to what the JSON API needs of it.
type webAccounts struct{ s *accounts.Store }

var _ web.Accounts = webAccounts{}

func principal(u accounts.User) web.Principal {
	return web.Principal{Name: u.Name, Role: string(u.Role), Away: u.Away}
}

func (a webAccounts) Authenticate(ctx context.Context, token string) (web.Principal, error) {
	u, err := a.s.Authenticate(ctx, token)
	if err != nil {
		return web.Principal{}, err
	}
	return principal(u), nil
}

func (a webAccounts) SetAway(ctx context.Context, name string, away bool) error {
	return a.s.SetAway(ctx, name, away)
}

func (a webAccounts) List(ctx context.Context) ([]web.Principal, error) {
	users, err := a.s.List(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]web.Principal, 0, len(users))
	for _, u := range users {
		out = append(out, principal(u))
	}
	return out, nil
}
