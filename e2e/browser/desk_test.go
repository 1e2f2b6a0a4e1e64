package browser

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"frontdesk/internal/testfax"
	"frontdesk/internal/testredis"
	"frontdesk/responders/smtpsink"
	"frontdesk/ticket/redisstore"
)

// Twilio settings of every desk: the account the fake Twilio checks, and
// the number customers call.
const (
	twilioSID   = "ACbrowsertest"
	twilioToken = "browsertoken"
	deskNumber  = "+15555550100"
	// The number faxes go out from.
	deskFaxNumber = "+15555550199"
)

// desk is one running frontdesk for a test: `frontdesk serve` on a Redis
// prefix of the test's own, with an SMTP sink and a fake Twilio to deliver
// replies to, and a ticket store on the same Redis and prefix to seed it.
type desk struct {
	url    string // http://127.0.0.1:PORT
	config string
	log    string
	prefix string
	rdb    *redis.Client
	// store seeds tickets straight into the desk's Redis.
	store  *redisstore.Store
	sink   *smtpsink.Sink
	twilio *fakeTwilio
	fax    *testfax.Service
}

// deskOptions are what tests vary in a desk's configuration.
type deskOptions struct {
	// rules, when set, is the YAML of rules_file.
	rules string
	// now, when set, is the clock of the seeding store: the time seeded
	// tickets are created at.
	now func() time.Time
	// extraConfig, when set, is YAML appended to the configuration (keys
	// it does not have: secrets, mailboxes…).
	extraConfig string
}

// newDesk starts frontdesk for t and stops it, and deletes its keys, when t
// ends. Without FRONTDESK_TEST_REDIS_URL or Chromium the test is skipped, or
// fails when CI=true.
func newDesk(t *testing.T, o deskOptions) *desk {
	t.Helper()
	chromiumPath(t) // skip before starting anything when there is no browser
	r := testredis.Real(t, "browser")
	redisURL := r.URL
	d := &desk{prefix: r.Prefix, rdb: r.Client}
	var err error
	d.store = redisstore.New(d.rdb, &redisstore.Options{Prefix: d.prefix, Now: o.now})

	if d.sink, err = smtpsink.Start(nil); err != nil {
		t.Fatalf("start the SMTP sink: %v", err)
	}
	t.Cleanup(func() { _ = d.sink.Close() })
	d.twilio = startFakeTwilio(t)
	d.fax = testfax.Start(t)

	d.writeConfig(t, redisURL, o)
	d.serve(t)
	return d
}

// skipOrFail skips the test with msg, or fails it when CI=true: in CI every
// test must run.
func skipOrFail(t *testing.T, msg string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// writeConfig writes the desk's configuration: queues support (mail, no
// acknowledgements), billing, vip and phone; SMTP to the sink; Twilio and
// the Faxes API through the fakes; and rules_file when o has rules.
func (d *desk) writeConfig(t *testing.T, redisURL string, o deskOptions) {
	t.Helper()
	dir := t.TempDir()
	addr := freeAddr(t)
	d.url = "http://" + addr
	d.config = filepath.Join(dir, "frontdesk.yaml")
	d.log = filepath.Join(dir, "frontdesk.log")
	var b strings.Builder
	fmt.Fprintf(&b, "redis:\n  url: %q\n  prefix: %q\n", redisURL, d.prefix)
	fmt.Fprintf(&b, "http:\n  listen: %q\n  public_url: %q\n", addr, d.url)
	b.WriteString("log:\n  level: info\n  format: json\n")
	fmt.Fprintf(&b, "smtp:\n  host: 127.0.0.1\n  port: %d\n  security: none\n", d.sink.Port())
	fmt.Fprintf(&b, "twilio:\n  account_sid: %s\n  auth_token: %s\n  api_url: %q\n  default_queue: phone\n", twilioSID, twilioToken, d.twilio.srv.URL)
	fmt.Fprintf(&b, "  numbers:\n    - number: %q\n      queue: phone\n", deskNumber)
	fmt.Fprintf(&b, "  spool_dir: %q\n  reconcile_interval: 0\n", filepath.Join(dir, "spool"))
	fmt.Fprintf(&b, "fax:\n  outbound: {api_url: %q, account_sid: %s, auth_token: %s, from: %q}\n", d.fax.URL, testfax.AccountSID, testfax.AuthToken, deskFaxNumber)
	b.WriteString(`queues:
  - name: support
    address: "Support <support@example.com>"
    auto_ack: false
  - name: billing
    address: billing@example.com
  - name: vip
    address: vip@example.com
  - name: phone
`)
	if o.rules != "" {
		rules := filepath.Join(dir, "rules.yaml")
		if err := os.WriteFile(rules, []byte(o.rules), 0o600); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "rules_file: %q\n", rules)
	}
	b.WriteString(o.extraConfig)
	if err := os.WriteFile(d.config, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// serve runs `frontdesk serve` until the test ends (then SIGTERM, and SIGKILL
// if it does not stop within 10 s), and waits until /readyz answers 200.
func (d *desk) serve(t *testing.T) {
	t.Helper()
	logf, err := os.OpenFile(d.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary, "serve", "-config", d.config)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		_ = logf.Close()
		t.Fatalf("start frontdesk serve: %v", err)
	}
	exited := make(chan struct{})
	var waitErr error
	go func() {
		waitErr = cmd.Wait()
		_ = logf.Close()
		close(exited)
	}()
	t.Cleanup(func() {
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
			t.Errorf("SIGTERM frontdesk: %v", err)
		}
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			t.Errorf("frontdesk serve did not stop within 10s of SIGTERM\n%s", d.tail(30))
			_ = cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("frontdesk's log:\n%s", d.tail(40))
		}
	})
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get(d.url + "/readyz")
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-exited:
			t.Fatalf("frontdesk serve exited before it was ready: %v\n%s", waitErr, d.tail(30))
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("frontdesk serve not ready within 15s (last: %v)\n%s", err, d.tail(30))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// addUser creates a user with `frontdesk users add -password-stdin`, as an
// operator does.
func (d *desk) addUser(t *testing.T, role, name, password string) {
	t.Helper()
	cmd := exec.Command(binary, "users", "add", "-config", d.config, "-role", role, "-password-stdin", name)
	cmd.Stdin = strings.NewReader(password + "\n")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("frontdesk users add %s: %v\n%s", name, err, out)
	}
}

// tail returns the last n lines of the desk's log, for failure messages.
func (d *desk) tail(n int) string {
	b, err := os.ReadFile(d.log)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// waitFor polls cond every 50 ms until it holds, failing the test after
// 20 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 20s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
