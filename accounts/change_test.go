package accounts

import (
	"cmp"
	"context"
	"errors"
	"sync"
	"testing"

	"frontdesk/fault"
)

func ptr[T any](v T) *T { return &v }

// changeFixture is a store with managers max and mia and assistant ann, who
// has a password, an API token and a live session.
type changeFixture struct {
	s              *Store
	token, session string
}

func newChangeFixture(t *testing.T) changeFixture {
	t.Helper()
	s := newStore(newTestRedis(t))
	ctx := context.Background()
	for _, name := range []string{"max", "mia"} {
		if _, err := s.Add(ctx, name, RoleManager, ""); err != nil {
			t.Fatal(err)
		}
	}
	token, err := s.Add(ctx, "ann", RoleAssistant, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	_, session, err := s.Login(ctx, "ann", "correct horse", testClient)
	if err != nil {
		t.Fatal(err)
	}
	return changeFixture{s: s, token: token, session: session}
}

func TestChangeRoleHoldsAtOnce(t *testing.T) {
	f := newChangeFixture(t)
	ctx := context.Background()
	u, err := f.s.Change(ctx, "ann", Change{Role: ptr(RoleManager), By: "max"})
	if err != nil || u.Name != "ann" || u.Role != RoleManager || u.Disabled {
		t.Fatalf("Change = %+v, %v", u, err)
	}
	if u, err := f.s.Authenticate(ctx, f.token); err != nil || u.Role != RoleManager {
		t.Errorf("the token after the new role: %+v, %v", u, err)
	}
	if u, err := f.s.Session(ctx, f.session); err != nil || u.Role != RoleManager {
		t.Errorf("the session after the new role: %+v, %v", u, err)
	}
	// The operator (no By) may demote anyone, also the last manager.
	for _, name := range []string{"ann", "max", "mia"} {
		if _, err := f.s.Change(ctx, name, Change{Role: ptr(RoleAssistant)}); err != nil {
			t.Fatalf("operator demotes %s: %v", name, err)
		}
	}
	if u, err := f.s.Authenticate(ctx, f.token); err != nil || u.Role != RoleAssistant {
		t.Errorf("the token after demotion: %+v, %v", u, err)
	}
}

func TestDisableEndsSessionsAndTokens(t *testing.T) {
	f := newChangeFixture(t)
	s, ctx := f.s, context.Background()
	other, err := s.NewToken(ctx, "ann")
	if err != nil {
		t.Fatal(err)
	}
	// The generation a login that checked the password just before the
	// disabling would write into its session.
	gen := cmp.Or(s.rdb.HGet(ctx, s.userKey("ann"), "pwgen").Val(), "0")

	u, err := s.Change(ctx, "ann", Change{Disabled: ptr(true), By: "max"})
	if err != nil || !u.Disabled || u.Role != RoleAssistant {
		t.Fatalf("disable: %+v, %v", u, err)
	}
	for _, tok := range []string{f.token, other} {
		if _, err := s.Authenticate(ctx, tok); !errors.Is(err, ErrUnauthorized) {
			t.Errorf("a token of a disabled user: %v, want ErrUnauthorized", err)
		}
	}
	if _, err := s.Session(ctx, f.session); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("a session of a disabled user: %v, want ErrUnauthorized", err)
	}
	for _, k := range []string{s.tokensKey("ann"), s.sessionsKey("ann"), s.tokenKey(tokenSHA(f.token)), s.sessionKey(tokenSHA(f.session))} {
		if s.rdb.Exists(ctx, k).Val() != 0 {
			t.Errorf("disabling left %s", k)
		}
	}
	if _, _, err := s.Login(ctx, "ann", "correct horse", testClient); !errors.Is(err, ErrDisabled) {
		t.Errorf("login of a disabled user: %v, want ErrDisabled", err)
	}
	if _, _, err := s.Login(ctx, "ann", "wrong horse!", testClient); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("wrong password of a disabled user: %v, want ErrUnauthorized", err)
	}
	// A token issued while disabled does not work until the user is enabled.
	later, err := s.NewToken(ctx, "ann")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, later); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("a token issued to a disabled user: %v, want ErrUnauthorized", err)
	}
	list, err := s.List(ctx)
	if err != nil || len(list) != 3 || list[0].Name != "ann" || !list[0].Disabled || list[1].Disabled {
		t.Errorf("List = %+v, %v", list, err)
	}

	if u, err := s.Change(ctx, "ann", Change{Disabled: ptr(false), By: "max"}); err != nil || u.Disabled {
		t.Fatalf("enable: %+v, %v", u, err)
	}
	// Enabling gives nothing back that disabling ended…
	for _, tok := range []string{f.token, other} {
		if _, err := s.Authenticate(ctx, tok); !errors.Is(err, ErrUnauthorized) {
			t.Errorf("a token from before the disabling works again: %v", err)
		}
	}
	if _, err := s.Session(ctx, f.session); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("a session from before the disabling works again: %v", err)
	}
	// … also a session that a login racing the disabling wrote afterwards.
	raced := "fd_" + "R" + f.session[4:]
	if err := s.rdb.HSet(ctx, s.sessionKey(tokenSHA(raced)), "name", "ann", "started", 1_790_000_000_123, "pwgen", gen).Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(ctx, raced); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("a session started with the generation before the disabling: %v, want ErrUnauthorized", err)
	}
	// The user signs in again, and a token issued meanwhile works.
	if _, _, err := s.Login(ctx, "ann", "correct horse", testClient); err != nil {
		t.Errorf("login after enabling: %v", err)
	}
	if u, err := s.Authenticate(ctx, later); err != nil || u.Name != "ann" {
		t.Errorf("the token issued while disabled, after enabling: %+v, %v", u, err)
	}
}

func TestChangeRefusals(t *testing.T) {
	f := newChangeFixture(t)
	ctx := context.Background()
	if _, err := f.s.Change(ctx, "mia", Change{Disabled: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, user string
		change     Change
		want       error
	}{
		{"manager demotes themselves", "max", Change{Role: ptr(RoleAssistant), By: "max"}, ErrChangeOwnStanding},
		{"manager disables themselves", "max", Change{Disabled: ptr(true), By: "max"}, ErrChangeOwnStanding},
		{"both at once", "max", Change{Role: ptr(RoleAssistant), Disabled: ptr(true), By: "max"}, ErrChangeOwnStanding},
		{"an assistant changes someone", "max", Change{Role: ptr(RoleAssistant), By: "ann"}, ErrNotManager},
		{"a disabled manager changes someone", "ann", Change{Role: ptr(RoleManager), By: "mia"}, ErrNotManager},
		{"an unknown user changes someone", "ann", Change{Disabled: ptr(true), By: "nobody"}, ErrNotManager},
		{"an invalid name changes someone", "ann", Change{Disabled: ptr(true), By: "No Body"}, ErrNotManager},
		{"unknown user", "nobody", Change{Disabled: ptr(true), By: "max"}, fault.ErrNotFound},
		{"invalid name", "No Body", Change{Disabled: ptr(true), By: "max"}, fault.ErrNotFound},
		{"unknown role", "ann", Change{Role: ptr(Role("admin")), By: "max"}, fault.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := f.s.Change(ctx, tt.user, tt.change); !errors.Is(err, tt.want) {
				t.Fatalf("Change = %v, want %v", err, tt.want)
			}
		})
	}
	if !errors.Is(ErrChangeOwnStanding, fault.ErrConflict) || !errors.Is(ErrNotManager, fault.ErrConflict) {
		t.Error("the refusals do not wrap fault.ErrConflict")
	}
	// Nothing was changed by any of them.
	users, err := f.s.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		want := map[string]User{"ann": {Role: RoleAssistant}, "max": {Role: RoleManager}, "mia": {Role: RoleManager, Disabled: true}}[u.Name]
		if u.Role != want.Role || u.Disabled != want.Disabled {
			t.Errorf("%s after refused changes: %+v", u.Name, u)
		}
	}
	if _, err := f.s.Authenticate(ctx, f.token); err != nil {
		t.Errorf("ann's token after refused changes: %v", err)
	}
	// Staying a manager, or changing nothing, is no error.
	if u, err := f.s.Change(ctx, "max", Change{Role: ptr(RoleManager), Disabled: ptr(false), By: "max"}); err != nil || u.Role != RoleManager {
		t.Errorf("max keeps his role: %+v, %v", u, err)
	}
	if u, err := f.s.Change(ctx, "ann", Change{By: "max"}); err != nil || u.Role != RoleAssistant {
		t.Errorf("an empty change: %+v, %v", u, err)
	}
}

// Two managers demoting each other at the same moment: one of them wins, and
// the desk keeps a manager.
func TestManagersDemotingEachOtherKeepOne(t *testing.T) {
	f := newChangeFixture(t)
	ctx := context.Background()
	for round := range 10 {
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, pair := range [][2]string{{"max", "mia"}, {"mia", "max"}} {
			wg.Go(func() {
				_, errs[i] = f.s.Change(ctx, pair[1], Change{Role: ptr(RoleAssistant), By: pair[0]})
			})
		}
		wg.Wait()
		if (errs[0] == nil) == (errs[1] == nil) {
			t.Fatalf("round %d: %v and %v; want exactly one to succeed", round, errs[0], errs[1])
		}
		for _, err := range errs {
			if err != nil && !errors.Is(err, ErrNotManager) {
				t.Fatalf("round %d: the loser's error %v, want ErrNotManager", round, err)
			}
		}
		managers := 0
		for _, name := range []string{"max", "mia"} {
			if u, _ := f.s.Get(ctx, name); u.Role == RoleManager {
				managers++
			}
			if _, err := f.s.Change(ctx, name, Change{Role: ptr(RoleManager)}); err != nil {
				t.Fatal(err)
			}
		}
		if managers != 1 {
			t.Fatalf("round %d: %d managers left, want 1", round, managers)
		}
	}
}
