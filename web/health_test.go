package web

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestHealthz(t *testing.T) {
	h := New(Options{Ready: func(context.Context) error { return errors.New("down") }}).Handler()
	res, body := do(t, h, "GET", "/healthz")
	if res.StatusCode != 200 || body != "ok\n" {
		t.Errorf("GET /healthz = %d %q, want 200 \"ok\\n\" even when not ready", res.StatusCode, body)
	}
	if got := res.Header.Get("Content-Type"); got != "text/plain; charset=utf-8" {
		t.Errorf("Content-Type = %q", got)
	}
	if res, _ := do(t, h, "HEAD", "/healthz"); res.StatusCode != 200 {
		t.Errorf("HEAD /healthz = %d, want 200", res.StatusCode)
	}
}

func TestReadyzWithoutCheck(t *testing.T) {
	res, body := do(t, New(Options{}).Handler(), "GET", "/readyz")
	if res.StatusCode != 200 || body != "ready\n" {
		t.Errorf("GET /readyz = %d %q, want 200 \"ready\\n\"", res.StatusCode, body)
	}
}

func TestReadyzFlips(t *testing.T) {
	var down atomic.Bool
	logger, logs := testLogger()
	h := New(Options{
		Logger: logger,
		Ready: func(ctx context.Context) error {
			if down.Load() {
				return errors.New("dial tcp 127.0.0.1:6379: connection refused")
			}
			return nil
		},
	}).Handler()

	steps := []struct {
		down   bool
		status int
		body   string
	}{
		{false, 200, "ready\n"},
		{false, 200, "ready\n"},
		{true, 503, "not ready: dial tcp 127.0.0.1:6379: connection refused\n"},
		{true, 503, "not ready: dial tcp 127.0.0.1:6379: connection refused\n"},
		{true, 503, "not ready: dial tcp 127.0.0.1:6379: connection refused\n"},
		{false, 200, "ready\n"},
	}
	for i, st := range steps {
		down.Store(st.down)
		res, body := do(t, h, "GET", "/readyz")
		if res.StatusCode != st.status || body != st.body {
			t.Errorf("step %d: GET /readyz = %d %q, want %d %q", i, res.StatusCode, body, st.status, st.body)
		}
	}

	// Three changes of state (unknown→ready→not ready→ready), each logged once.
	out := logs.String()
	if n := strings.Count(out, "msg=\"service ready\""); n != 2 {
		t.Errorf("logged \"service ready\" %d times, want 2:\n%s", n, out)
	}
	if n := strings.Count(out, "msg=\"service not ready\""); n != 1 {
		t.Errorf("logged \"service not ready\" %d times, want 1:\n%s", n, out)
	}
}

func TestReadyzTimeout(t *testing.T) {
	s := New(Options{Ready: func(ctx context.Context) error {
		<-ctx.Done() // a check that honours its deadline
		return ctx.Err()
	}})
	s.readyTimeout = 20 * time.Millisecond
	start := time.Now()
	res, body := do(t, s.Handler(), "GET", "/readyz")
	if res.StatusCode != 503 || !strings.HasPrefix(body, "not ready: readiness check took longer than 20ms") {
		t.Errorf("GET /readyz = %d %q, want 503 naming the timeout", res.StatusCode, body)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("probe took %s, want about the 20ms timeout", took)
	}
}

func TestReadyzLateAnswerIsNotReady(t *testing.T) {
	s := New(Options{Ready: func(ctx context.Context) error {
		time.Sleep(50 * time.Millisecond) // ignores ctx, then claims success
		return nil
	}})
	s.readyTimeout = 10 * time.Millisecond
	if res, body := do(t, s.Handler(), "GET", "/readyz"); res.StatusCode != 503 {
		t.Errorf("GET /readyz = %d %q, want 503", res.StatusCode, body)
	}
}

// A mailbox that cannot sign in is named, and the service stays ready.
func TestReadyzWarnings(t *testing.T) {
	h := New(Options{
		Ready:    func(context.Context) error { return nil },
		Warnings: func() []string { return []string{"mailbox support: Microsoft refused its sign-in\nsince today"} },
	}).Handler()
	res, body := do(t, h, "GET", "/readyz")
	if res.StatusCode != 200 || body != "ready\nwarning: mailbox support: Microsoft refused its sign-in since today\n" {
		t.Errorf("GET /readyz = %d %q", res.StatusCode, body)
	}
	if !strings.HasPrefix(body, "ready\n") {
		t.Errorf("the answer does not start with ready")
	}
}
