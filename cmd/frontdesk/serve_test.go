package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"

	"frontdesk/internal/testlog"
	"frontdesk/spool"
)

// startServe runs `frontdesk serve` on an in-memory Redis with the http
// section given, until the test ends; it returns the main listener's base
// URL, once /healthz answers, and the log.
func startServe(t *testing.T, httpYAML string) (string, *testlog.Buffer) {
	t.Helper()
	mr := miniredis.RunT(t)
	addr := freeAddr(t)
	path := writeConfig(t, fmt.Sprintf("redis: {url: 'redis://%s/0'}\nhttp: {listen: '%s', %s}\n", mr.Addr(), addr, httpYAML))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	logs := &testlog.Buffer{}
	go func() {
		done <- run(ctx, []string{"serve", "-config", path}, strings.NewReader(""), &testlog.Buffer{}, logs)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-done:
			if code != exitOK {
				t.Errorf("serve exited %d: %s", code, logs.String())
			}
		case <-time.After(15 * time.Second):
			t.Error("serve did not stop after its context ended")
		}
	})
	base := "http://" + addr
	waitFor(t, func() bool { return status(base+"/healthz") == 200 })
	return base, logs
}

// The HTTP limits of the configuration reach the server: the connection
// cap, and HSTS for an https public URL.
func TestServeHTTPLimits(t *testing.T) {
	base, logs := startServe(t, "public_url: 'https://desk.example.com', max_connections: 7")
	if !strings.Contains(logs.String(), "max_connections=7") {
		t.Errorf("the server does not say it caps connections at http.max_connections (7):\n%s", logs.String())
	}
	res, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	if got := res.Header.Get("Strict-Transport-Security"); got != "max-age=31536000" {
		t.Errorf("Strict-Transport-Security with an https public_url = %q", got)
	}
}

// http.metrics_listen moves /metrics to a listener of its own, and
// http.metrics_token guards it there.
func TestServeMetricsApart(t *testing.T) {
	const token = "test-metrics-token-0123456789"
	metricsAddr := freeAddr(t)
	t.Setenv("TEST_METRICS_TOKEN", token)
	base, _ := startServe(t, fmt.Sprintf("metrics_listen: '%s', metrics_token: '${TEST_METRICS_TOKEN}'", metricsAddr))
	if got := status(base + "/metrics"); got != 404 {
		t.Errorf("/metrics on http.listen with metrics_listen set: %d, want 404", got)
	}
	metrics := "http://" + metricsAddr + "/metrics"
	if got := status(metrics); got != 401 {
		t.Errorf("/metrics without the token: %d, want 401", got)
	}
	req, err := http.NewRequest("GET", metrics, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	if res.StatusCode != 200 {
		t.Errorf("/metrics with the token: %d, want 200", res.StatusCode)
	}
}

// Without either key, /metrics stays where it was, open: existing setups
// keep working.
func TestServeMetricsDefault(t *testing.T) {
	base, _ := startServe(t, "max_connections: 1000")
	if got := status(base + "/metrics"); got != 200 {
		t.Errorf("/metrics by default: %d, want 200", got)
	}
}

// A metrics address that cannot be listened on stops serve, naming the key.
func TestServeRefusesBusyMetricsListen(t *testing.T) {
	mr := miniredis.RunT(t)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	path := writeConfig(t, fmt.Sprintf("redis: {url: 'redis://%s/0'}\nhttp: {listen: '127.0.0.1:0', metrics_listen: '%s'}\n", mr.Addr(), busy.Addr()))
	code, _, errOut := runCmd(t, context.Background(), "serve", "-config", path)
	if code != exitFailure || !strings.Contains(errOut, "http.metrics_listen: ") {
		t.Errorf("serve with a busy metrics_listen: %d %q", code, errOut)
	}
}

// A spool directory that cannot be used, or a spool another process holds,
// stops serve, naming the key.
func TestServeRefusesAnUnusableSpool(t *testing.T) {
	mr := miniredis.RunT(t)
	dir := t.TempDir()
	notADir := filepath.Join(dir, "file")
	if err := os.WriteFile(notADir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	held, err := spool.Open(filepath.Join(dir, "held", "twilio.spool.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	for _, tt := range []struct{ dir, want string }{
		{notADir, "twilio.spool_dir: create spool directory"},
		{filepath.Join(dir, "held"), "twilio.spool_dir: open spool " + filepath.Join(dir, "held", "twilio.spool.db") + ": another process has it open"},
	} {
		path := writeConfig(t, fmt.Sprintf("redis: {url: 'redis://%s/0'}\nhttp: {listen: '127.0.0.1:0', public_url: 'https://d.example.com'}\n"+
			"twilio: {account_sid: AC1, auth_token: t, spool_dir: '%s'}\n", mr.Addr(), tt.dir))
		code, _, errOut := runCmd(t, context.Background(), "serve", "-config", path)
		if code != exitFailure || !strings.Contains(errOut, tt.want) {
			t.Errorf("serve with spool_dir %s: %d %q, want %q", tt.dir, code, errOut, tt.want)
		}
	}
}
