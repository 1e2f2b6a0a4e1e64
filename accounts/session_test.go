package accounts

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"frontdesk/internal/testredis"
)

func TestSessions(t *testing.T) {
	tr := newTestRedis(t)
	s := newStore(tr)
	ctx := context.Background()
	if _, err := s.Add(ctx, "ann", RoleAssistant, "correct horse"); err != nil {
		t.Fatal(err)
	}

	if _, _, err := s.Login(ctx, "ann", "wrong horse!", testClient); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("Login with a wrong password: %v, want ErrUnauthorized", err)
	}
	u, token, err := s.Login(ctx, "ann", "correct horse", testClient)
	if err != nil {
		t.Fatalf("Login: %v", err)
	}
	if u.Name != "ann" || u.Role != RoleAssistant || !wellFormed(token) {
		t.Fatalf("Login = %+v, %q", u, token)
	}
	if _, err := s.Authenticate(ctx, token); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("a session token works as an API token: %v", err)
	}
	got, err := s.Session(ctx, token)
	if err != nil || got.Name != "ann" {
		t.Fatalf("Session = %+v, %v", got, err)
	}
	last := "A"
	if strings.HasSuffix(token, last) {
		last = "B"
	}
	for _, bad := range []string{"", "fd_short", token[:len(token)-1] + last} {
		if _, err := s.Session(ctx, bad); !errors.Is(err, ErrUnauthorized) {
			t.Errorf("Session(%q) = %v, want ErrUnauthorized", bad, err)
		}
	}

	// Idle expiry: each use pushes it on.
	key := s.sessionKey(tokenSHA(token))
	if ttl := tr.Client.PTTL(ctx, key).Val(); ttl <= SessionIdle-time.Minute || ttl > SessionIdle {
		t.Errorf("session TTL = %v, want about %v", ttl, SessionIdle)
	}

	// The absolute limit: a session older than SessionMax is over.
	s.now = func() time.Time { return time.UnixMilli(1_790_000_000_123).Add(SessionMax + time.Second) }
	if _, err := s.Session(ctx, token); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("Session after SessionMax = %v, want ErrUnauthorized", err)
	}
	if n := tr.Client.Exists(ctx, key).Val(); n != 0 {
		t.Errorf("an expired session's key is still there")
	}
	s.now = func() time.Time { return time.UnixMilli(1_790_000_000_123) }

	// Logout ends it, twice without error.
	_, token, err = s.Login(ctx, "ann", "correct horse", testClient)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := s.Logout(ctx, token); err != nil {
			t.Fatalf("Logout: %v", err)
		}
	}
	if _, err := s.Session(ctx, token); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("Session after Logout = %v, want ErrUnauthorized", err)
	}

	// A new password ends every session of the user.
	_, t1, _ := s.Login(ctx, "ann", "correct horse", testClient)
	_, t2, _ := s.Login(ctx, "ann", "correct horse", testClient)
	if err := s.SetPassword(ctx, "ann", "battery staple"); err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{t1, t2} {
		if _, err := s.Session(ctx, tok); !errors.Is(err, ErrUnauthorized) {
			t.Errorf("a session outlived a new password: %v", err)
		}
	}
	if n := tr.Client.Exists(ctx, s.sessionsKey("ann")).Val(); n != 0 {
		t.Errorf("the session list outlived its sessions")
	}

	// The brake holds for logins too.
	for range 5 {
		_, _, _ = s.Login(ctx, "ann", "wrong horse!", testClient)
	}
	if _, _, err := s.Login(ctx, "ann", "battery staple", testClient); !errors.Is(err, ErrLocked) {
		t.Errorf("Login after 5 failures = %v, want ErrLocked", err)
	}
}

// Every page, board refresh and API call asks who the caller is: a session or
// a token is one round trip to Redis, and a user removed behind the store's
// back leaves both refused.
func TestSessionAndTokenAreOneRoundTrip(t *testing.T) {
	tr := newTestRedis(t)
	s := newStore(tr)
	ctx := context.Background()
	apiToken, err := s.Add(ctx, "ann", RoleManager, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	_, session, err := s.Login(ctx, "ann", "correct horse", testClient)
	if err != nil {
		t.Fatal(err)
	}
	// Warm-up: the first call of a script loads it.
	if _, err := s.Session(ctx, session); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, apiToken); err != nil {
		t.Fatal(err)
	}
	trips := &testredis.RoundTrips{}
	tr.Client.AddHook(trips)
	if u, err := s.Session(ctx, session); err != nil || u.Name != "ann" || u.Role != RoleManager {
		t.Fatalf("Session = %+v, %v", u, err)
	}
	if n := trips.Count(); n != 1 {
		t.Errorf("Session made %d round trips (%v), want 1", n, trips.Names())
	}
	trips.Reset()
	if u, err := s.Authenticate(ctx, apiToken); err != nil || u.Name != "ann" || u.Role != RoleManager {
		t.Fatalf("Authenticate = %+v, %v", u, err)
	}
	if n := trips.Count(); n != 1 {
		t.Errorf("Authenticate made %d round trips (%v), want 1", n, trips.Names())
	}

	if err := tr.Client.Del(ctx, s.userKey("ann")).Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(ctx, session); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("Session of a removed user = %v, want ErrUnauthorized", err)
	}
	if _, err := s.Authenticate(ctx, apiToken); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("Authenticate of a removed user = %v, want ErrUnauthorized", err)
	}
}

// A new password ends the sessions that its login saw the old one for, by
// itself: also when deleting them did not happen (a crash right after the
// change) or missed one (a login that checked the old password meanwhile).
func TestNewPasswordEndsSessionsWithoutTheirList(t *testing.T) {
	tr := newTestRedis(t)
	s := newStore(tr)
	ctx := context.Background()
	if _, err := s.Add(ctx, "ann", RoleAssistant, "correct horse"); err != nil {
		t.Fatal(err)
	}
	_, before, err := s.Login(ctx, "ann", "correct horse", testClient)
	if err != nil {
		t.Fatal(err)
	}
	// The password changes, and the process dies before ending sessions.
	if err := passwordScript.Run(ctx, tr.Client, []string{s.userKey("ann"), s.failuresKey("ann")}, "$argon2id$new").Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(ctx, before); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("a session from before the new password: %v, want ErrUnauthorized", err)
	}
	if n := tr.Client.Exists(ctx, s.sessionKey(tokenSHA(before))).Val(); n != 0 {
		t.Errorf("the ended session's key is still there")
	}
	// A login after the change works as ever, also through a second change
	// of something else.
	if err := s.SetPassword(ctx, "ann", "battery staple"); err != nil {
		t.Fatal(err)
	}
	_, after, err := s.Login(ctx, "ann", "battery staple", testClient)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetAway(ctx, "ann", true); err != nil {
		t.Fatal(err)
	}
	if u, err := s.Session(ctx, after); err != nil || !u.Away {
		t.Fatalf("a session from after the new password: %+v, %v", u, err)
	}
}
