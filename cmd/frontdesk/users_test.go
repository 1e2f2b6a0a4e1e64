package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"testing"

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
		got = append(got, strings.Join(f[:3], " "))
	}
	want := "NAME ROLE AWAY|ann manager no|bob assistant no|carl assistant no|dora manager no|robot.1 assistant no"
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
	} {
		code, out, errOut := runUsersCmd("", args...)
		if code != exitFailure || out != "" || strings.Count(errOut, "\n") != 1 ||
			!strings.HasPrefix(errOut, "frontdesk: redis does not answer: ") {
			t.Errorf("%s with Redis down: exit %d, stdout %q, stderr %q", args[0], code, out, errOut)
		}
	}
}
