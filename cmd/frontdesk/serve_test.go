package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"

	"frontdesk/internal/testlog"
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
	go func() { done <- run(ctx, []string{"serve", "-config", path}, strings.NewReader(""), &testlog.Buffer{}, logs) }()
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
