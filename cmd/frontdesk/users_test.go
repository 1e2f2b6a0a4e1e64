package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"frontdesk/accounts"
)

// usersRedis is a configuration file naming the Redis of a users test —
// FRONTDESK_TEST_REDIS_URL when set, else a miniredis — with a prefix of the
// test's own, whose keys are deleted afterwards; and a store on it to check
// what the command did.
type usersRedis struct {
	config string
	store  *accounts.Store
	client *redis.Client
	prefix string
}

func newUsersRedis(t *testing.T) *usersRedis {
	t.Helper()
	prefix := "fdtest-" + rand.Text()[:10]
	url := os.Getenv("FRONTDESK_TEST_REDIS_URL")
	if url == "" {
		url = "redis://" + miniredis.RunT(t).Addr() + "/0"
	}
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatalf("redis url %s: %v", url, err)
	}
	client := redis.NewClient(opts)
	t.Cleanup(func() { _ = client.Close() })
	if err := client.Ping(context.Background()).Err(); err != nil {
		t.Fatalf("%s does not answer: %v", url, err)
	}
	// Cleanups run last-in first-out: this one runs before the Close above.
	t.Cleanup(func() {
		ctx := context.Background()
		iter := client.Scan(ctx, 0, prefix+":*", 1000).Iterator()
		var keys []string
		for iter.Next(ctx) {
			keys = append(keys, iter.Val())
		}
		if err := iter.Err(); err != nil {
			t.Errorf("scan test keys: %v", err)
		}
		for _, k := range keys {
			if err := client.Del(ctx, k).Err(); err != nil {
				t.Errorf("delete test key %s: %v", k, err)
			}
		}
	})
	return &usersRedis{
		config: writeConfig(t, fmt.Sprintf("redis: {url: %q, prefix: %s}\n", url, prefix)),
		store:  accounts.New(client, prefix),
		client: client,
		prefix: prefix,
	}
}

func runUsersCmd(stdin string, args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = runUsers(context.Background(), args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

// lastLine is the last line of out, which must end in a newline.
func lastLine(t *testing.T, out string) string {
	t.Helper()
	lines := strings.Split(out, "\n")
	if len(lines) < 2 || lines[len(lines)-1] != "" {
		t.Fatalf("stdout %q does not end in a line", out)
	}
	return lines[len(lines)-2]
}

func TestUsersAdd(t *testing.T) {
	r := newUsersRedis(t)
	ctx := context.Background()
	tests := []struct {
		name, stdin string
		args        []string
		user        string
		role        accounts.Role
		password    string // "" for a token-only user
	}{
		{"manager with password", "correct horse\n", []string{"add", "-config", r.config, "-role", "manager", "-password-stdin", "ann"}, "ann", accounts.RoleManager, "correct horse"},
		{"CRLF, only the first line", "battery staple\r\nsecond line\n", []string{"add", "-config", r.config, "-role=assistant", "-password-stdin", "bob"}, "bob", accounts.RoleAssistant, "battery staple"},
		{"no newline at the end", "  spaces kept  ", []string{"add", "-password-stdin", "-config", r.config, "-role", "assistant", "carl"}, "carl", accounts.RoleAssistant, "  spaces kept  "},
		{"token only", "ignored\n", []string{"add", "-config", r.config, "-role", "assistant", "robot.1"}, "robot.1", accounts.RoleAssistant, ""},
		{"flags after NAME", "", []string{"add", "dora", "-role", "manager", "-config", r.config}, "dora", accounts.RoleManager, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runUsersCmd(tt.stdin, tt.args...)
			if code != exitOK || errOut != "" {
				t.Fatalf("exit %d, stderr %q", code, errOut)
			}
			if first := strings.SplitN(out, "\n", 2)[0]; !strings.Contains(first, fmt.Sprintf("created %s %s", tt.role, tt.user)) {
				t.Errorf("first line %q does not say who was created", first)
			}
			token := lastLine(t, out)
			u, err := r.store.Authenticate(ctx, token)
			if err != nil || u.Name != tt.user || u.Role != tt.role {
				t.Fatalf("the printed token %q: %+v, %v", token, u, err)
			}
			_, err = r.store.CheckPassword(ctx, tt.user, tt.password, netip.MustParseAddr("192.0.2.1"))
			if tt.password == "" {
				if !errors.Is(err, accounts.ErrUnauthorized) {
					t.Errorf("a token-only user signs in with an empty password: %v", err)
				}
			} else if err != nil {
				t.Errorf("password %q: %v", tt.password, err)
			}
		})
	}

	code, out, errOut := runUsersCmd("", "add", "-config", r.config, "-role", "assistant", "ann")
	if code != exitFailure || out != "" || errOut != "frontdesk: user ann exists\n" {
		t.Errorf("existing user: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if u, err := r.store.Get(ctx, "ann"); err != nil || u.Role != accounts.RoleManager {
		t.Errorf("the existing user changed: %+v, %v", u, err)
	}

	code, out, errOut = runUsersCmd("", "list", "-config", r.config)
	if code != exitOK || errOut != "" {
		t.Fatalf("list: exit %d, stderr %q", code, errOut)
	}
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Fields(line)
		got = append(got, strings.Join(f[:4], " "))
	}
	want := "NAME ROLE AWAY DISABLED|ann manager no no|bob assistant no no|carl assistant no no|dora manager no no|robot.1 assistant no no"
	if strings.Join(got, "|") != want {
		t.Errorf("list:\n%s\nwant rows %q", out, want)
	}
}

func TestUsersErrors(t *testing.T) {
	r := newUsersRedis(t)
	tests := []struct {
		name, stdin string
		args        []string
		code        int
		stderr      string
	}{
		{"no subcommand", "", nil, exitUsage, "usage: frontdesk users"},
		{"unknown subcommand", "", []string{"remove", "ann"}, exitUsage, `unknown command "remove"`},
		{"missing role", "", []string{"add", "-config", r.config, "ann"}, exitUsage, "-role is required"},
		{"bad role", "", []string{"add", "-config", r.config, "-role", "admin", "ann"}, exitUsage, `-role "admin": must be assistant or manager`},
		{"no NAME", "", []string{"add", "-config", r.config, "-role", "assistant"}, exitUsage, "NAME is missing"},
		{"two NAMEs", "", []string{"add", "-config", r.config, "-role", "assistant", "ann", "bob"}, exitUsage, "one NAME only"},
		{"bad name", "", []string{"add", "-config", r.config, "-role", "assistant", "Ann Lee"}, exitUsage, `user name "Ann Lee": must be`},
		{"unknown flag", "", []string{"add", "-config", r.config, "-role", "assistant", "-admin", "ann"}, exitUsage, "-admin"},
		{"list with an argument", "", []string{"list", "-config", r.config, "all"}, exitUsage, "unexpected"},
		{"empty password", "\n", []string{"add", "-config", r.config, "-role", "assistant", "-password-stdin", "ann"}, exitFailure, "frontdesk: -password-stdin: the first line of stdin is empty"},
		{"no stdin", "", []string{"add", "-config", r.config, "-role", "assistant", "-password-stdin", "ann"}, exitFailure, "first line of stdin is empty"},
		{"short password", "short\nand a long second line\n", []string{"add", "-config", r.config, "-role", "assistant", "-password-stdin", "ann"}, exitFailure, "frontdesk: password: must be at least 10 characters\n"},
		{"bad config", "", []string{"add", "-config", writeConfig(t, "redis: {url: redis://127.0.0.1:6379/0, colour: blue}\n"), "-role", "assistant", "ann"}, exitFailure, "redis.colour: unknown key"},
		{"missing config", "", []string{"list", "-config", "/nonexistent/frontdesk.yaml"}, exitFailure, "/nonexistent/frontdesk.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runUsersCmd(tt.stdin, tt.args...)
			if code != tt.code || !strings.Contains(errOut, tt.stderr) || out != "" {
				t.Errorf("exit %d (want %d), stdout %q, stderr %q (want %q)", code, tt.code, out, errOut, tt.stderr)
			}
			if tt.code == exitUsage && !strings.Contains(errOut, "usage: frontdesk users") {
				t.Errorf("a usage error without the usage: %q", errOut)
			}
			if tt.code == exitFailure && strings.Count(errOut, "\n") != 1 {
				t.Errorf("a failure in more than one line: %q", errOut)
			}
		})
	}
	if users, err := r.store.List(context.Background()); err != nil || len(users) != 0 {
		t.Errorf("refused commands made users: %v, %v", users, err)
	}
	if code, out, _ := runUsersCmd("", "help"); code != exitOK || !strings.Contains(out, "-password-stdin") {
		t.Errorf("users help: exit %d, %q", code, out)
	}
}

func TestUsersRedisDown(t *testing.T) {
	mr := miniredis.RunT(t)
	addr := mr.Addr()
	mr.Close()
	path := writeConfig(t, fmt.Sprintf("redis: {url: \"redis://%s/0\"}\n", addr))
	for _, args := range [][]string{
		{"add", "-config", path, "-role", "assistant", "ann"},
		{"list", "-config", path},
		{"disable", "-config", path, "ann"},
		{"token", "-config", path, "ann"},
	} {
		code, out, errOut := runUsersCmd("", args...)
		if code != exitFailure || out != "" || strings.Count(errOut, "\n") != 1 ||
			!strings.HasPrefix(errOut, "frontdesk: redis does not answer: ") {
			t.Errorf("%s with Redis down: exit %d, stdout %q, stderr %q", args[0], code, out, errOut)
		}
	}
}

func TestUsersRoleDisableEnableToken(t *testing.T) {
	r := newUsersRedis(t)
	ctx := context.Background()
	old, err := r.store.Add(ctx, "ann", accounts.RoleAssistant, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	here := netip.MustParseAddr("192.0.2.1")
	run := func(want string, args ...string) string {
		t.Helper()
		code, out, errOut := runUsersCmd("", args...)
		if code != exitOK || errOut != "" || !strings.Contains(out, want) {
			t.Fatalf("users %q: exit %d, stdout %q, stderr %q; want it to say %q", args, code, out, errOut, want)
		}
		return out
	}

	run("ann is now a manager", "role", "-config", r.config, "-role", "manager", "ann")
	if u, err := r.store.Authenticate(ctx, old); err != nil || u.Role != accounts.RoleManager {
		t.Errorf("ann's token after the new role: %+v, %v", u, err)
	}
	run("ann is now an assistant", "role", "ann", "-role=assistant", "-config", r.config)

	run("disabled ann", "disable", "-config", r.config, "ann")
	if _, err := r.store.Authenticate(ctx, old); !errors.Is(err, accounts.ErrUnauthorized) {
		t.Errorf("ann's token after disable: %v", err)
	}
	if _, err := r.store.CheckPassword(ctx, "ann", "correct horse", here); !errors.Is(err, accounts.ErrDisabled) {
		t.Errorf("ann's password after disable: %v", err)
	}
	out := run("ann   assistant  no    yes", "list", "-config", r.config)
	if !strings.Contains(out, "DISABLED") {
		t.Errorf("list does not say who is disabled:\n%s", out)
	}
	out = run("ann is disabled", "token", "-config", r.config, "ann")
	whileDisabled := lastLine(t, out)
	if _, err := r.store.Authenticate(ctx, whileDisabled); !errors.Is(err, accounts.ErrUnauthorized) {
		t.Errorf("a token issued to a disabled user works: %v", err)
	}

	run("enabled ann", "enable", "-config", r.config, "ann")
	if _, err := r.store.CheckPassword(ctx, "ann", "correct horse", here); err != nil {
		t.Errorf("ann's password after enable: %v", err)
	}
	if _, err := r.store.Authenticate(ctx, old); !errors.Is(err, accounts.ErrUnauthorized) {
		t.Errorf("the token from before the disabling works again: %v", err)
	}
	if u, err := r.store.Authenticate(ctx, whileDisabled); err != nil || u.Name != "ann" {
		t.Errorf("the token issued while disabled, after enable: %+v, %v", u, err)
	}

	out = run("1 older token revoked", "token", "ann", "-expires", "90d", "-config", r.config)
	if first := strings.SplitN(out, "\n", 2)[0]; !strings.Contains(first, "it expires "+time.Now().Add(90*24*time.Hour).UTC().Format("2006-01-02")) {
		t.Errorf("the token's expiry is not told: %q", first)
	}
	token := lastLine(t, out)
	if u, err := r.store.Authenticate(ctx, token); err != nil || u.Name != "ann" {
		t.Fatalf("the printed token %q: %+v, %v", token, u, err)
	}
	if _, err := r.store.Authenticate(ctx, whileDisabled); !errors.Is(err, accounts.ErrUnauthorized) {
		t.Errorf("the token before users token still works: %v", err)
	}
	ttl := r.client.PTTL(ctx, r.prefix+":accounts:{users}:token:"+sha256Hex(token)).Val()
	if ttl < 90*24*time.Hour-time.Minute || ttl > 90*24*time.Hour {
		t.Errorf("a 90d token's TTL is %v", ttl)
	}
	out = run("1 older token revoked", "token", "-config", r.config, "-expires", "12h", "ann")
	if n := strings.Count(out, "\n"); n != 2 {
		t.Errorf("token output has %d lines, want 2:\n%s", n, out)
	}
	if _, err := r.store.Authenticate(ctx, token); !errors.Is(err, accounts.ErrUnauthorized) {
		t.Errorf("the 90d token still works after the next users token: %v", err)
	}
}

func TestUsersChangeErrors(t *testing.T) {
	r := newUsersRedis(t)
	if _, err := r.store.Add(context.Background(), "ann", accounts.RoleAssistant, ""); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"role without -role", []string{"role", "-config", r.config, "ann"}, exitUsage, "-role is required"},
		{"bad role", []string{"role", "-config", r.config, "-role", "admin", "ann"}, exitUsage, `-role "admin": must be assistant or manager`},
		{"disable without NAME", []string{"disable", "-config", r.config}, exitUsage, "NAME is missing"},
		{"enable two NAMEs", []string{"enable", "-config", r.config, "ann", "bob"}, exitUsage, "one NAME only"},
		{"bad name", []string{"disable", "-config", r.config, "Ann Lee"}, exitUsage, `user name "Ann Lee": must be`},
		{"unknown flag", []string{"token", "-config", r.config, "-forever", "ann"}, exitUsage, "-forever"},
		{"zero days", []string{"token", "-config", r.config, "-expires", "0d", "ann"}, exitUsage, `-expires "0d": must be a positive number`},
		{"negative", []string{"token", "-config", r.config, "-expires", "-5h", "ann"}, exitUsage, "must be a positive number"},
		{"words", []string{"token", "-config", r.config, "-expires", "soon", "ann"}, exitUsage, "must be a positive number"},
		{"too long", []string{"token", "-config", r.config, "-expires", "4000d", "ann"}, exitUsage, "must be at most 3650d"},
		{"too long in hours", []string{"token", "-config", r.config, "-expires", "90000h", "ann"}, exitUsage, "must be at most 3650d"},
		{"unknown user", []string{"disable", "-config", r.config, "nobody"}, exitFailure, "frontdesk: there is no user nobody"},
		{"unknown user's role", []string{"role", "-config", r.config, "-role", "manager", "nobody"}, exitFailure, "there is no user nobody"},
		{"unknown user's token", []string{"token", "-config", r.config, "nobody"}, exitFailure, "there is no user nobody"},
		{"missing config", []string{"enable", "-config", "/nonexistent/frontdesk.yaml", "ann"}, exitFailure, "/nonexistent/frontdesk.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runUsersCmd("", tt.args...)
			if code != tt.code || !strings.Contains(errOut, tt.stderr) || out != "" {
				t.Errorf("exit %d (want %d), stdout %q, stderr %q (want %q)", code, tt.code, out, errOut, tt.stderr)
			}
			if tt.code == exitUsage && !strings.Contains(errOut, "usage: frontdesk users") {
				t.Errorf("a usage error without the usage: %q", errOut)
			}
			if tt.code == exitFailure && strings.Count(errOut, "\n") != 1 {
				t.Errorf("a failure in more than one line: %q", errOut)
			}
		})
	}
	if u, err := r.store.Get(context.Background(), "ann"); err != nil || u.Role != accounts.RoleAssistant || u.Disabled {
		t.Errorf("refused commands changed ann: %+v, %v", u, err)
	}
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
