package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"

	"frontdesk/internal/testlog"
)

func runCmd(t *testing.T, ctx context.Context, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(ctx, args, strings.NewReader(""), &out, &errOut)
	return code, out.String(), errOut.String()
}

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "frontdesk.yaml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestVersionAndUsage(t *testing.T) {
	if code, out, _ := runCmd(t, context.Background(), "version"); code != exitOK || !strings.HasPrefix(out, "frontdesk ") {
		t.Errorf("version: %d %q", code, out)
	}
	if code, _, errOut := runCmd(t, context.Background()); code != exitUsage || !strings.Contains(errOut, "usage:") {
		t.Errorf("no command: %d %q", code, errOut)
	}
	if code, _, errOut := runCmd(t, context.Background(), "frobnicate"); code != exitUsage || !strings.Contains(errOut, `unknown command "frobnicate"`) {
		t.Errorf("unknown command: %d %q", code, errOut)
	}
	if code, _, _ := runCmd(t, context.Background(), "serve", "-nosuchflag"); code != exitUsage {
		t.Errorf("bad flag: exit %d, want 2", code)
	}
}

func TestCheckConfig(t *testing.T) {
	good := writeConfig(t, "redis: {url: redis://127.0.0.1:6379/0}\n")
	if code, out, errOut := runCmd(t, context.Background(), "check-config", "-config", good); code != exitOK || !strings.Contains(out, "ok") {
		t.Fatalf("good config: %d %q %q", code, out, errOut)
	}
	bad := writeConfig(t, `
redis: {url: redis://127.0.0.1:6379/0}
mailboxes:
  - {name: support, host: imap.example.com, port: 70000, security: tls, username: u, password: p}
  - {name: sales, host: imap.example.com, security: ssl, username: u, password: p}
`)
	code, _, errOut := runCmd(t, context.Background(), "check-config", "-config", bad)
	if code != exitFailure {
		t.Fatalf("bad config: exit %d, want 1", code)
	}
	for _, want := range []string{"mailboxes[0].port: must be 1-65535\n", "mailboxes[1].security: must be tls, starttls or none\n"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr %q lacks %q", errOut, want)
		}
	}
	t.Setenv("FRONTDESK_CONFIG", filepath.Join(t.TempDir(), "missing.yaml"))
	if code, _, errOut := runCmd(t, context.Background(), "check-config"); code != exitFailure || !strings.Contains(errOut, "missing.yaml") {
		t.Errorf("missing file via FRONTDESK_CONFIG: %d %q", code, errOut)
	}
}

// The example configuration, with its shipped rules file, passes the check;
// a rules file that does not fit the configuration stops check-config and
// serve with the rule and field named.
func TestExampleConfigAndRulesFile(t *testing.T) {
	for _, name := range []string{"SUPPORT_IMAP_PASSWORD", "SMTP_PASSWORD", "TWILIO_AUTH_TOKEN", "FRONTDESK_REDIS_URL", "FRONTDESK_HTTP_LISTEN"} {
		t.Setenv(name, "x")
	}
	t.Setenv("FRONTDESK_REDIS_URL", "redis://127.0.0.1:6379/0")
	t.Setenv("FRONTDESK_HTTP_LISTEN", "127.0.0.1:0")
	code, out, errOut := runCmd(t, context.Background(), "check-config", "-config", "../../frontdesk.example.yaml")
	if code != exitOK || !strings.Contains(out, "rules.yaml: ok") {
		t.Fatalf("example config: %d %q %q", code, out, errOut)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "rules.yaml"), []byte("rules:\n  - {name: Nowhere, conditions: [], actions: [{type: set_queue, value: nowhere}]}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "frontdesk.yaml")
	if err := os.WriteFile(cfg, []byte("redis: {url: redis://127.0.0.1:6379/0}\nhttp: {listen: 127.0.0.1:0}\nrules_file: rules.yaml\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, cmd := range []string{"check-config", "serve"} {
		code, _, errOut := runCmd(t, context.Background(), cmd, "-config", cfg)
		if code != exitFailure || !strings.Contains(errOut, "rules_file") || !strings.Contains(errOut, `"Nowhere"`) || !strings.Contains(errOut, "nowhere") {
			t.Errorf("%s with a rules file naming an unknown queue: %d %q", cmd, code, errOut)
		}
	}
}

func TestServeRefusesBadConfigBeforeStarting(t *testing.T) {
	path := writeConfig(t, "redis: {url: redis://127.0.0.1:6379/0}\nhttp: {listen: 127.0.0.1:0, colour: blue}\n")
	code, out, errOut := runCmd(t, context.Background(), "serve", "-config", path)
	if code != exitFailure || !strings.Contains(errOut, "http.colour: unknown key") || out != "" {
		t.Fatalf("serve with bad config: %d %q %q", code, out, errOut)
	}
}

// TestServeWaitsForRedis starts serve against a Redis that is not there yet:
// it must stay up, answer /readyz with 503, turn ready once Redis comes, and
// stop cleanly when its context ends (as on SIGTERM).
func TestServeWaitsForRedis(t *testing.T) {
	redisAddr := freeAddr(t)
	httpAddr := freeAddr(t)
	path := writeConfig(t, fmt.Sprintf("redis: {url: 'redis://%s/0'}\nhttp: {listen: '%s'}\nlog: {level: debug}\n", redisAddr, httpAddr))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	var stderr bytes.Buffer
	go func() {
		var out bytes.Buffer
		done <- run(ctx, []string{"serve", "-config", path}, strings.NewReader(""), &out, &stderr)
	}()
	base := "http://" + httpAddr
	waitFor(t, func() bool { return status(base+"/healthz") == 200 })
	if got := status(base + "/readyz"); got != 503 {
		t.Fatalf("/readyz without Redis = %d, want 503", got)
	}
	mr := miniredis.NewMiniRedis()
	if err := mr.StartAddr(redisAddr); err != nil {
		t.Fatal(err)
	}
	defer mr.Close()
	waitFor(t, func() bool { return status(base+"/readyz") == 200 })
	if got := status(base + "/metrics"); got != 200 {
		t.Fatalf("/metrics = %d", got)
	}
	cancel()
	select {
	case code := <-done:
		if code != exitOK {
			t.Fatalf("serve exited %d: %s", code, stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop after its context ended")
	}
}

func TestDemoSeedsTicketsAndServes(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	out := &testlog.Buffer{}
	go func() {
		var errOut bytes.Buffer
		done <- run(ctx, []string{"demo", "-listen", "127.0.0.1:0"}, strings.NewReader(""), out, &errOut)
	}()
	var url string
	waitFor(t, func() bool {
		_, rest, ok := strings.Cut(out.String(), "running at ")
		url, _, _ = strings.Cut(rest, "\n")
		return ok && url != ""
	})
	for _, want := range []string{"NOTHING IS KEPT", "6 sample mails", "ann / demo-password "} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("demo output lacks %q:\n%s", want, out.String())
		}
	}
	waitFor(t, func() bool { return status(url+"/readyz") == 200 })
	if got := status(url + "/login"); got != 200 {
		t.Errorf("the web UI's login page: %d, want 200", got)
	}
	// The six sample mails come in over IMAP: five new tickets, and the
	// follow-up threaded onto the first.
	waitFor(t, func() bool {
		m := body(url + "/metrics")
		return strings.Contains(m, `frontdesk_mail_stored_total{mailbox="support",result="created"} 5`) &&
			strings.Contains(m, `frontdesk_mail_stored_total{mailbox="support",result="appended"} 1`)
	})
	// The simulated call and text come in as signed webhooks (the recording
	// twice), and their recording and picture are downloaded.
	waitFor(t, func() bool {
		m := body(url + "/metrics")
		return strings.Contains(m, `frontdesk_twilio_webhooks_total{code="204",path="/twilio/voice/recording"} 2`) &&
			strings.Contains(m, `frontdesk_jobs_completed_total{kind="media",queue="media"} 2`)
	})
	if !strings.Contains(out.String(), "left a voicemail") {
		t.Errorf("demo output does not tell of the phone tickets:\n%s", out.String())
	}
	cancel()
	if code := <-done; code != exitOK {
		t.Fatalf("demo exited %d", code)
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

func status(url string) int {
	c := http.Client{Timeout: 3 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

func body(url string) string {
	c := http.Client{Timeout: 3 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 20s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestServeRefusesAMissingDKIMKey(t *testing.T) {
	path := writeConfig(t, "redis: {url: redis://127.0.0.1:6379/0}\nhttp: {listen: 127.0.0.1:0}\n"+
		"smtp: {host: smtp.example.com, dkim: {domain: example.com, selector: s1, key_file: missing.pem}}\n")
	code, _, errOut := runCmd(t, context.Background(), "serve", "-config", path)
	if code != exitFailure || !strings.Contains(errOut, "smtp.dkim.key_file") {
		t.Fatalf("serve with a missing DKIM key: %d %q", code, errOut)
	}
}
