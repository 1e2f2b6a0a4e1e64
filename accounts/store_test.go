package accounts

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"frontdesk/fault"

	"github.com/redis/go-redis/v9"
)

func TestAdd(t *testing.T) {
	tr := newTestRedis(t)
	s := newStore(tr)
	ctx := context.Background()
	if _, err := s.Add(ctx, "taken", RoleAssistant, ""); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, user string
		role       Role
		password   string
		want       error // nil: created
		errHas     string
	}{
		{"assistant with password", "ann", RoleAssistant, "correct horse", nil, ""},
		{"manager token only", "bob.smith-2_x", RoleManager, "", nil, ""},
		{"digit first", "0ops", RoleAssistant, "", nil, ""},
		{"64 characters", strings.Repeat("a", 64), RoleAssistant, "", nil, ""},
		{"unicode password", "uni", RoleAssistant, "ééééééééééé", nil, ""},
		{"taken", "taken", RoleManager, "", ErrExists, "add user taken: conflict: the user name is taken"},
		{"empty name", "", RoleAssistant, "", fault.ErrInvalid, "must be 1-64 characters"},
		{"upper case", "Ann", RoleAssistant, "", fault.ErrInvalid, "a-z, 0-9"},
		{"starts with dot", ".ann", RoleAssistant, "", fault.ErrInvalid, "starting with"},
		{"space", "ann lee", RoleAssistant, "", fault.ErrInvalid, "user name"},
		{"colon", "a:b", RoleAssistant, "", fault.ErrInvalid, "user name"},
		{"65 characters", strings.Repeat("a", 65), RoleAssistant, "", fault.ErrInvalid, "user name"},
		{"bad role", "carl", Role("admin"), "", fault.ErrInvalid, `role "admin": must be assistant or manager`},
		{"no role", "carl", "", "", fault.ErrInvalid, "role"},
		{"short password", "dan", RoleAssistant, "123456789", fault.ErrInvalid, "at least 10 characters"},
		{"short unicode password", "dan", RoleAssistant, "ééééé", fault.ErrInvalid, "at least 10"},
		{"long password", "dan", RoleAssistant, strings.Repeat("x", MaxPasswordLen+1), fault.ErrInvalid, "at most"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			token, err := s.Add(ctx, tt.user, tt.role, tt.password)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Add: %v", err)
				}
				if !wellFormed(token) || !strings.HasPrefix(token, "fd_") || len(token) != 46 {
					t.Errorf("token %q is not fd_ and 43 base64url characters", token)
				}
				u, err := s.Get(ctx, tt.user)
				if err != nil {
					t.Fatal(err)
				}
				want := User{Name: tt.user, Role: tt.role, CreatedAt: time.UnixMilli(1_790_000_000_123).UTC()}
				if u != want {
					t.Errorf("Get = %+v, want %+v", u, want)
				}
				return
			}
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.errHas) || token != "" {
				t.Fatalf("Add = %q, %v; want %v mentioning %q", token, err, tt.want, tt.errHas)
			}
		})
	}
	if !errors.Is(ErrExists, fault.ErrConflict) {
		t.Error("ErrExists does not wrap fault.ErrConflict")
	}
	if _, err := s.Get(ctx, "dan"); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("a refused user was stored: %v", err)
	}
}

func TestKeysAndNoPlaintextToken(t *testing.T) {
	tr := newTestRedis(t)
	s := newStore(tr)
	ctx := context.Background()
	token, err := s.Add(ctx, "ann", RoleManager, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	p := tr.Prefix + ":accounts:{users}:"
	sha := tokenSHA(token)
	wantType := map[string]string{
		p + "user:ann":     "hash",
		p + "names":        "set",
		p + "token:" + sha: "string",
		p + "tokens:ann":   "set",
	}
	keys := tr.Keys(t)
	if len(keys) != len(wantType) {
		t.Errorf("keys = %q, want %d", keys, len(wantType))
	}
	for _, k := range keys {
		typ, err := tr.Client.Type(ctx, k).Result()
		if err != nil {
			t.Fatal(err)
		}
		if wantType[k] != typ {
			t.Errorf("key %s is a %s, want %q", k, typ, wantType[k])
		}
		var values []string
		switch typ {
		case "string":
			values = []string{tr.Client.Get(ctx, k).Val()}
		case "set":
			values = tr.Client.SMembers(ctx, k).Val()
		case "hash":
			for f, v := range tr.Client.HGetAll(ctx, k).Val() {
				values = append(values, f, v)
			}
		}
		for _, v := range append(values, k) {
			if strings.Contains(v, token[3:]) || strings.Contains(v, "correct horse") {
				t.Errorf("key %s holds a secret in plain text: %q", k, v)
			}
		}
	}
	h := tr.Client.HGetAll(ctx, p+"user:ann").Val()
	if h["role"] != "manager" || h["away"] != "0" || h["created"] != "1790000000123" ||
		!strings.HasPrefix(h["hash"], "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Errorf("user hash = %q", h)
	}
	if got := tr.Client.Get(ctx, p+"token:"+sha).Val(); got != "ann" {
		t.Errorf("token key holds %q, want ann", got)
	}
}

func TestAuthenticate(t *testing.T) {
	tr := newTestRedis(t)
	s := newStore(tr)
	ctx := context.Background()
	first, err := s.Add(ctx, "ann", RoleAssistant, "")
	if err != nil {
		t.Fatal(err)
	}
	second, err := s.NewToken(ctx, "ann")
	if err != nil {
		t.Fatal(err)
	}
	revoked, err := s.NewToken(ctx, "ann")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeToken(ctx, revoked); err != nil {
		t.Fatal(err)
	}
	flipped := []byte(first)
	flipped[10] ^= 1 // still well formed (a-z and A-Z differ in that bit), but not ann's
	forged, _ := newToken()
	tests := []struct {
		name, token string
		ok          bool
	}{
		{"first token", first, true},
		{"second token", second, true},
		{"revoked", revoked, false},
		{"one character changed", string(flipped), false},
		{"never issued", forged, false},
		{"empty", "", false},
		{"no prefix", first[3:], false},
		{"with Bearer", "Bearer " + first, false},
		{"truncated", first[:45], false},
		{"padded", first + "=", false},
		{"not base64url", "fd_" + strings.Repeat("+", 43), false},
		{"huge", "fd_" + strings.Repeat("A", 1<<16), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := s.Authenticate(ctx, tt.token)
			if tt.ok {
				if err != nil || u.Name != "ann" || u.Role != RoleAssistant {
					t.Fatalf("Authenticate = %+v, %v; want ann", u, err)
				}
				return
			}
			if !errors.Is(err, ErrUnauthorized) || u != (User{}) {
				t.Fatalf("Authenticate = %+v, %v; want ErrUnauthorized", u, err)
			}
		})
	}

	if err := s.RevokeToken(ctx, revoked); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("revoking twice: %v, want ErrNotFound", err)
	}
	if err := s.RevokeToken(ctx, "junk"); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("revoking junk: %v, want ErrNotFound", err)
	}
	if _, err := s.NewToken(ctx, "nobody"); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("NewToken for an unknown user: %v, want ErrNotFound", err)
	}
	if _, err := s.NewToken(ctx, "No Body"); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("NewToken for an invalid name: %v, want ErrNotFound", err)
	}
	n, err := s.RevokeTokens(ctx, "ann")
	if err != nil || n != 2 {
		t.Fatalf("RevokeTokens = %d, %v; want 2", n, err)
	}
	for _, tok := range []string{first, second} {
		if _, err := s.Authenticate(ctx, tok); !errors.Is(err, ErrUnauthorized) {
			t.Errorf("a token works after RevokeTokens: %v", err)
		}
	}
	if keys := tr.Keys(t); len(keys) != 2 { // user:ann and names
		t.Errorf("keys left after revoking every token: %q", keys)
	}
}

func TestCheckPassword(t *testing.T) {
	tr := newTestRedis(t)
	s := newStore(tr)
	ctx := context.Background()
	for name, pw := range map[string]string{"ann": "correct horse", "bob": "battery staple"} {
		if _, err := s.Add(ctx, name, RoleAssistant, pw); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Add(ctx, "robot", RoleAssistant, ""); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, user, password string
		ok                   bool
	}{
		{"right", "ann", "correct horse", true},
		{"other user's password", "ann", "battery staple", false},
		{"wrong", "ann", "correct horsE", false},
		{"empty", "ann", "", false},
		{"prefix", "ann", "correct", false},
		{"unknown user", "nobody", "correct horse", false},
		{"invalid name", "Ann", "correct horse", false},
		{"token-only user", "robot", "", false},
		{"token-only user, some password", "robot", "anything at all", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := s.CheckPassword(ctx, tt.user, tt.password, testClient)
			if tt.ok {
				if err != nil || u.Name != tt.user {
					t.Fatalf("CheckPassword = %+v, %v", u, err)
				}
				return
			}
			if !errors.Is(err, ErrUnauthorized) || u != (User{}) {
				t.Fatalf("CheckPassword = %+v, %v; want ErrUnauthorized", u, err)
			}
		})
	}

	if err := s.SetPassword(ctx, "ann", "new password!"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CheckPassword(ctx, "ann", "correct horse", testClient); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("old password after SetPassword: %v", err)
	}
	if _, err := s.CheckPassword(ctx, "ann", "new password!", testClient); err != nil {
		t.Errorf("new password after SetPassword: %v", err)
	}
	if err := s.SetPassword(ctx, "ann", "short"); !errors.Is(err, fault.ErrInvalid) {
		t.Errorf("SetPassword short: %v, want ErrInvalid", err)
	}
	if err := s.SetPassword(ctx, "nobody", "long enough!"); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("SetPassword unknown user: %v, want ErrNotFound", err)
	}
	if err := s.SetPassword(ctx, "robot", "now with a password"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CheckPassword(ctx, "robot", "now with a password", testClient); err != nil {
		t.Errorf("token-only user given a password: %v", err)
	}
}

func TestBrake(t *testing.T) {
	tr := newTestRedis(t)
	s := newStore(tr)
	s.window = time.Second
	ctx := context.Background()
	if _, err := s.Add(ctx, "ann", RoleAssistant, "correct horse"); err != nil {
		t.Fatal(err)
	}
	check := func(name, password string, want error) {
		t.Helper()
		_, err := s.CheckPassword(ctx, name, password, testClient)
		if !errors.Is(err, want) || (want == nil) != (err == nil) {
			t.Fatalf("CheckPassword(%s, %s) = %v, want %v", name, password, err, want)
		}
	}
	for range 5 {
		check("ann", "wrong password", ErrUnauthorized)
		check("nobody", "wrong password", ErrUnauthorized)
	}
	check("ann", "correct horse", ErrLocked)
	check("nobody", "correct horse", ErrLocked) // an unknown name locks the same
	check("bob", "wrong password", ErrUnauthorized)
	pttl := tr.Client.PTTL(ctx, tr.Prefix+":accounts:{users}:failures:ann").Val()
	if pttl <= 0 || pttl > time.Second {
		t.Errorf("failure counter TTL = %v, want (0, 1s]", pttl)
	}

	advance(tr, 1100*time.Millisecond)
	check("ann", "correct horse", nil)
	if n := tr.Client.Exists(ctx, tr.Prefix+":accounts:{users}:failures:ann").Val(); n != 0 {
		t.Error("a successful login left the failure counter")
	}

	// A success clears the count: 4 failures, a success, then 5 more
	// failures are all just wrong, and only the 6th attempt is locked.
	for range 4 {
		check("ann", "wrong password", ErrUnauthorized)
	}
	check("ann", "correct horse", nil)
	for range 5 {
		check("ann", "wrong password", ErrUnauthorized)
	}
	check("ann", "wrong password", ErrLocked)
	// SetPassword lifts the lock.
	if err := s.SetPassword(ctx, "ann", "another password"); err != nil {
		t.Fatal(err)
	}
	check("ann", "another password", nil)
}

func TestRehashOnLogin(t *testing.T) {
	tr := newTestRedis(t)
	s := newStore(tr)
	ctx := context.Background()
	if _, err := s.Add(ctx, "ann", RoleAssistant, "correct horse"); err != nil {
		t.Fatal(err)
	}
	s.params.time = 2
	if _, err := s.CheckPassword(ctx, "ann", "wrong password", testClient); !errors.Is(err, ErrUnauthorized) {
		t.Fatal(err)
	}
	key := tr.Prefix + ":accounts:{users}:user:ann"
	if h := tr.Client.HGet(ctx, key, "hash").Val(); !strings.Contains(h, "t=1,") {
		t.Errorf("a failed login rehashed: %s", h)
	}
	if _, err := s.CheckPassword(ctx, "ann", "correct horse", testClient); err != nil {
		t.Fatal(err)
	}
	if h := tr.Client.HGet(ctx, key, "hash").Val(); !strings.Contains(h, "m=64,t=2,p=1$") {
		t.Errorf("not rehashed with the new parameters: %s", h)
	}
	if _, err := s.CheckPassword(ctx, "ann", "correct horse", testClient); err != nil {
		t.Errorf("after the rehash: %v", err)
	}
}

func TestSetAwayAndList(t *testing.T) {
	tr := newTestRedis(t)
	s := newStore(tr)
	ctx := context.Background()
	if users, err := s.List(ctx); err != nil || len(users) != 0 {
		t.Fatalf("List of none = %v, %v", users, err)
	}
	for _, u := range []struct {
		name string
		role Role
	}{{"carl", RoleAssistant}, {"ann", RoleManager}, {"bob", RoleAssistant}} {
		if _, err := s.Add(ctx, u.name, u.role, ""); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.SetAway(ctx, "bob", true); err != nil {
		t.Fatal(err)
	}
	if err := s.SetAway(ctx, "carl", true); err != nil {
		t.Fatal(err)
	}
	if err := s.SetAway(ctx, "carl", false); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"nobody", "Not A Name"} {
		if err := s.SetAway(ctx, name, true); !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("SetAway(%q): %v, want ErrNotFound", name, err)
		}
		if _, err := s.Get(ctx, name); !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("Get(%q): %v, want ErrNotFound", name, err)
		}
	}
	users, err := s.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, u := range users {
		got = append(got, string(u.Role)+" "+u.Name+map[bool]string{true: " away", false: ""}[u.Away])
	}
	if want := "manager ann|assistant bob away|assistant carl"; strings.Join(got, "|") != want {
		t.Errorf("List = %q, want %q", strings.Join(got, "|"), want)
	}
	b, err := json.Marshal(users[1])
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"name":"bob","role":"assistant","away":true,"disabled":false,"created_at":"2026-09-21T14:13:20.123Z"}`; string(b) != want {
		t.Errorf("JSON = %s, want %s", b, want)
	}
	if keys := tr.Keys(t); len(keys) < 7 {
		t.Errorf("SetAway on unknown users made keys? %q", keys)
	}
}

func TestConcurrentAddOfOneName(t *testing.T) {
	tr := newTestRedis(t)
	s := newStore(tr)
	ctx := context.Background()
	const n = 20
	var wg sync.WaitGroup
	tokens := make([]string, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() { tokens[i], errs[i] = s.Add(ctx, "ann", RoleAssistant, "correct horse") })
	}
	wg.Wait()
	var won string
	for i, err := range errs {
		switch {
		case err == nil:
			if won != "" {
				t.Fatal("two Adds of one name succeeded")
			}
			won = tokens[i]
		case !errors.Is(err, ErrExists) || !errors.Is(err, fault.ErrConflict):
			t.Errorf("Add %d: %v, want ErrExists", i, err)
		}
	}
	if won == "" {
		t.Fatal("no Add succeeded")
	}
	if u, err := s.Authenticate(ctx, won); err != nil || u.Name != "ann" {
		t.Errorf("the winner's token: %+v, %v", u, err)
	}
	if members := tr.Client.SMembers(ctx, tr.Prefix+":accounts:{users}:tokens:ann").Val(); len(members) != 1 {
		t.Errorf("ann has %d tokens, want 1", len(members))
	}
}

func TestRedisDown(t *testing.T) {
	tr := newTestRedis(t)
	s := newStore(tr)
	ctx := context.Background()
	token, err := s.Add(ctx, "ann", RoleAssistant, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	down := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 200 * time.Millisecond,
		DialerRetries: 1})
	t.Cleanup(func() { _ = down.Close() })
	s = New(down, tr.Prefix)
	s.params = testParams
	calls := map[string]func() error{
		"Add":           func() error { _, err := s.Add(ctx, "bob", RoleAssistant, "correct horse"); return err },
		"Authenticate":  func() error { _, err := s.Authenticate(ctx, token); return err },
		"CheckPassword": func() error { _, err := s.CheckPassword(ctx, "ann", "correct horse", testClient); return err },
		"NewToken":      func() error { _, err := s.NewToken(ctx, "ann"); return err },
		"RevokeToken":   func() error { return s.RevokeToken(ctx, token) },
		"RevokeTokens":  func() error { _, err := s.RevokeTokens(ctx, "ann"); return err },
		"Get":           func() error { _, err := s.Get(ctx, "ann"); return err },
		"List":          func() error { _, err := s.List(ctx); return err },
		"SetAway":       func() error { return s.SetAway(ctx, "ann", true) },
		"SetPassword":   func() error { return s.SetPassword(ctx, "ann", "another password") },
		"IssueToken":    func() error { _, _, err := s.IssueToken(ctx, "ann", TokenOptions{ReplaceOthers: true}); return err },
		"Change":        func() error { _, err := s.Change(ctx, "ann", Change{Disabled: ptr(true)}); return err },
	}
	for name, call := range calls {
		if err := call(); !fault.IsUnavailable(err) {
			t.Errorf("%s with Redis down: %v, want IsUnavailable", name, err)
		}
	}
}
