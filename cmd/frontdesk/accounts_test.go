package main

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"

	"frontdesk/accounts"
	"frontdesk/config"
	"frontdesk/fault"
	"frontdesk/internal/testredis"
	"frontdesk/routing/assign"
	"frontdesk/ticket/redisstore"
	"frontdesk/web/auth"
	"frontdesk/web/httperr"
)

// The web's Login learns from the accounts why a login was refused, in the
// web's own words, so that the UI can say it.
func TestWebAccountsLoginRefusals(t *testing.T) {
	tr := testredis.New(t)
	store := accounts.New(tr.Client, tr.Prefix)
	a := webAccounts{store}
	ctx := context.Background()
	for _, name := range []string{"ann", "bob"} {
		if _, err := store.Add(ctx, name, accounts.RoleAssistant, "correct horse"); err != nil {
			t.Fatal(err)
		}
	}
	disabled := true
	if _, err := store.Change(ctx, "bob", accounts.Change{Disabled: &disabled}); err != nil {
		t.Fatal(err)
	}
	// The brakes' counts as 20 failed logins from one address and 5 on one
	// name leave them (docs/redis-keys.md).
	keys := tr.Prefix + ":accounts:{users}:"
	if err := tr.Client.Set(ctx, keys+"client:198.51.100.9", 20, 0).Err(); err != nil {
		t.Fatal(err)
	}
	if err := tr.Client.Set(ctx, keys+"failures:ann", 5, 0).Err(); err != nil {
		t.Fatal(err)
	}
	here := netip.MustParseAddr("192.0.2.1")
	tests := []struct {
		name, user, password string
		client               netip.Addr
		want                 error
	}{
		{"address locked", "bob", "correct horse", netip.MustParseAddr("198.51.100.9"), auth.ErrTooManyLoginsFromAddress},
		{"name locked", "ann", "correct horse", here, auth.ErrTooManyLogins},
		{"disabled", "bob", "correct horse", here, auth.ErrAccountDisabled},
		{"wrong password", "bob", "wrong horse!", here, accounts.ErrUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, token, err := a.Login(ctx, tt.user, tt.password, tt.client)
			if !errors.Is(err, tt.want) || p != (auth.Principal{}) || token != "" {
				t.Fatalf("Login = %+v, %q, %v; want %v", p, token, err, tt.want)
			}
		})
	}
	if _, _, err := a.Login(ctx, "ann", "correct horse", netip.MustParseAddr("198.51.100.9")); !errors.Is(err, auth.ErrTooManyLoginsFromAddress) || errors.Is(err, auth.ErrAccountDisabled) {
		t.Errorf("a locked address says more than that: %v", err)
	}
}

// Routing's assignment passes over a disabled assistant as over one who is
// away, with either strategy.
func TestTeamMembersSkipsDisabled(t *testing.T) {
	tr := testredis.New(t)
	users := accounts.New(tr.Client, tr.Prefix)
	store := redisstore.New(tr.Client, &redisstore.Options{Prefix: tr.Prefix})
	ctx := context.Background()
	for _, name := range []string{"ann", "bob", "carl"} {
		if _, err := users.Add(ctx, name, accounts.RoleAssistant, ""); err != nil {
			t.Fatal(err)
		}
	}
	members := teamMembers{users: users, store: store}
	picker := assign.New(tr.Client, tr.Prefix, members)
	team := config.Team{Name: "desk", Members: []string{"ann", "bob", "carl"}}
	disabled := true
	if _, err := users.Change(ctx, "bob", accounts.Change{Disabled: &disabled}); err != nil {
		t.Fatal(err)
	}
	if err := users.SetAway(ctx, "carl", true); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		away bool
	}{{"ann", false}, {"bob", true}, {"carl", true}} {
		if away, err := members.Away(ctx, tt.name); err != nil || away != tt.away {
			t.Errorf("Away(%s) = %v, %v; want %v", tt.name, away, err, tt.away)
		}
	}
	for _, strategy := range []string{assign.RoundRobin, assign.LeastOpen} {
		for range 3 {
			if who, err := picker.Pick(ctx, team, strategy); err != nil || who != "ann" {
				t.Errorf("%s picked %q, %v; want ann, the only one available", strategy, who, err)
			}
		}
	}
	// Enabled again, bob takes turns again.
	enabled := false
	if _, err := users.Change(ctx, "bob", accounts.Change{Disabled: &enabled}); err != nil {
		t.Fatal(err)
	}
	picked := map[string]int{}
	for range 4 {
		who, err := picker.Pick(ctx, team, assign.RoundRobin)
		if err != nil {
			t.Fatal(err)
		}
		picked[who]++
	}
	if picked["ann"] != 2 || picked["bob"] != 2 {
		t.Errorf("round robin over ann and bob: %v", picked)
	}
}

// The API's and the UI's user changes reach the accounts with the manager
// who makes them, and their refusals reach HTTP as the statuses the API
// documents.
func TestWebAccountsChangeUser(t *testing.T) {
	tr := testredis.New(t)
	store := accounts.New(tr.Client, tr.Prefix)
	a := webAccounts{store}
	ctx := context.Background()
	if _, err := store.Add(ctx, "max", accounts.RoleManager, ""); err != nil {
		t.Fatal(err)
	}
	token, err := store.Add(ctx, "ann", accounts.RoleAssistant, "")
	if err != nil {
		t.Fatal(err)
	}
	yes, manager, admin := true, auth.RoleManager, "admin"
	p, err := a.ChangeUser(ctx, "ann", auth.UserChange{Role: &manager, Disabled: &yes, By: "max"})
	if err != nil || p != (auth.Principal{Name: "ann", Role: auth.RoleManager, Disabled: true}) {
		t.Fatalf("ChangeUser = %+v, %v", p, err)
	}
	if _, err := a.Authenticate(ctx, token); err == nil {
		t.Error("a disabled user's token works")
	}
	users, err := a.List(ctx)
	if err != nil || len(users) != 2 || !users[0].Disabled || users[1].Disabled {
		t.Errorf("List = %+v, %v", users, err)
	}
	assistant := auth.RoleAssistant
	for _, tt := range []struct {
		name, user string
		change     auth.UserChange
		status     int
		says       string
	}{
		{"self-demotion", "max", auth.UserChange{Role: &assistant, By: "max"}, 409, "another manager must do it"},
		{"self-disabling", "max", auth.UserChange{Disabled: &yes, By: "max"}, 409, "you cannot disable yourself"},
		{"by a disabled manager", "max", auth.UserChange{Role: &assistant, By: "ann"}, 409, "you are no longer an enabled manager"},
		{"unknown user", "nobody", auth.UserChange{Disabled: &yes, By: "max"}, 404, "not found"},
		{"bad role", "ann", auth.UserChange{Role: &admin, By: "max"}, 400, `role "admin"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := a.ChangeUser(ctx, tt.user, tt.change)
			if got := httperr.Status(err); got != tt.status || !strings.Contains(fault.Reason(err), tt.says) {
				t.Errorf("ChangeUser: %v (status %d), want %d saying %q", err, got, tt.status, tt.says)
			}
		})
	}
}
