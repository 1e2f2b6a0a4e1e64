package rulestore

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"frontdesk/internal/testlog"
)

// applied records what Watch hands to apply.
type applied struct {
	mu   sync.Mutex
	seen []int
	fail map[int]bool // versions apply refuses
}

func (a *applied) apply(v Version) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.seen = append(a.seen, v.Number)
	if a.fail[v.Number] {
		return errors.New("refused")
	}
	return nil
}

func (a *applied) last() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.seen) == 0 {
		return 0
	}
	return a.seen[len(a.seen)-1]
}

func (a *applied) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.seen)
}

// watch runs s.Watch until the test ends.
func watch(t *testing.T, s *Store, interval time.Duration, logger *slog.Logger, a *applied) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.Watch(ctx, interval, logger, a.apply)
	}()
	t.Cleanup(func() { cancel(); <-done })
}

func TestWatchFollowsAnotherInstance(t *testing.T) {
	tr := newTestRedis(t)
	writer := New(tr.Another(t), tr.Prefix) // another instance
	mustPut(t, writer, rules("r1"), "alice", "")

	a := &applied{}
	watch(t, New(tr.Client, tr.Prefix), time.Second, nil, a)
	waitFor(t, 2*time.Second, "applying the current version at start", func() bool { return a.last() == 1 })

	mustPut(t, writer, rules("r2"), "alice", "")
	waitFor(t, 2*time.Second, "following a Put of another instance", func() bool { return a.last() == 2 })
}

func TestWatchStartsWhenTheFirstVersionArrives(t *testing.T) {
	tr := newTestRedis(t)
	s := New(tr.Client, tr.Prefix)
	a := &applied{}
	watch(t, s, 10*time.Millisecond, nil, a)
	mustPut(t, s, rules("r1"), "alice", "")
	waitFor(t, 2*time.Second, "applying the first version", func() bool { return a.last() == 1 })
}

func TestWatchApplyErrorWaitsForTheNextChange(t *testing.T) {
	tr := newTestRedis(t)
	s := New(tr.Client, tr.Prefix)
	mustPut(t, s, rules("bad"), "alice", "")
	var logs testlog.Buffer
	a := &applied{fail: map[int]bool{1: true}}
	watch(t, s, 5*time.Millisecond, slog.New(slog.NewTextHandler(&logs, nil)), a)
	waitFor(t, 2*time.Second, "trying version 1", func() bool { return a.count() == 1 })
	mustPut(t, s, rules("good"), "alice", "")
	waitFor(t, 2*time.Second, "applying version 2", func() bool { return a.last() == 2 })
	if a.count() != 2 {
		t.Fatalf("apply calls %v: the refused version was tried again", a.seen)
	}
	if strings.Count(logs.String(), "apply rule set") != 1 {
		t.Fatalf("logs:\n%s", logs.String())
	}
}

func TestWatchKeepsTheLastVersionWhileRedisIsDown(t *testing.T) {
	tr := newMiniRedis(t) // stopped and restarted
	s := New(tr.Client, tr.Prefix)
	mustPut(t, s, rules("r1"), "alice", "")
	var logs testlog.Buffer
	a := &applied{}
	watch(t, s, 5*time.Millisecond, slog.New(slog.NewTextHandler(&logs, nil)), a)
	waitFor(t, 2*time.Second, "applying version 1", func() bool { return a.last() == 1 })

	tr.Mini.Close()
	waitFor(t, 2*time.Second, "logging that Redis is down", func() bool {
		return strings.Contains(logs.String(), "Redis unavailable")
	})
	// Many more checks fail while it is down; none is logged again.
	before := strings.Count(logs.String(), "\n")
	deadline := time.Now().Add(100 * time.Millisecond)
	for time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := strings.Count(logs.String(), "\n"); n != before {
		t.Fatalf("more log lines while down:\n%s", logs.String())
	}
	if a.count() != 1 {
		t.Fatalf("apply called while Redis was down: %v", a.seen)
	}

	if err := tr.Mini.Restart(); err != nil {
		t.Fatal(err)
	}
	mustPut(t, s, rules("r2"), "alice", "")
	waitFor(t, 2*time.Second, "applying version 2 after the restart", func() bool { return a.last() == 2 })
	out := logs.String()
	if strings.Count(out, "Redis unavailable") != 1 || strings.Count(out, "Redis reachable again") != 1 {
		t.Fatalf("logs:\n%s", out)
	}
}
