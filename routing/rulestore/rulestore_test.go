package rulestore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"

	"frontdesk/fault"
)

func rules(name string) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`[{"name":%q,"enabled":true,"match":"all","conditions":[],"actions":[]}]`, name))
}

func mustPut(t *testing.T, s *Store, r json.RawMessage, by, note string) int {
	t.Helper()
	n, err := s.Put(context.Background(), r, by, note)
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	return n
}

func TestPutCurrentGetHistory(t *testing.T) {
	ctx := context.Background()
	tr := newTestRedis(t)
	s := New(tr.Client, tr.Prefix)

	if _, err := s.Current(ctx); !errors.Is(err, ErrNotFound) || !errors.Is(err, fault.ErrNotFound) {
		t.Fatalf("Current before any Put: %v, want ErrNotFound", err)
	}
	for i := 1; i <= 3; i++ {
		if n := mustPut(t, s, rules(fmt.Sprint("r", i)), "alice", ""); n != i {
			t.Fatalf("Put %d returned version %d", i, n)
		}
	}
	cur, err := s.Current(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if cur.Number != 3 || string(cur.Rules) != string(rules("r3")) || cur.By != "alice" || cur.At.IsZero() {
		t.Fatalf("Current = %+v", cur)
	}
	v2, err := s.Get(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	if v2.Number != 2 || string(v2.Rules) != string(rules("r2")) {
		t.Fatalf("Get(2) = %+v", v2)
	}
	for _, n := range []int{0, 4, -1} {
		if _, err := s.Get(ctx, n); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get(%d): %v, want ErrNotFound", n, err)
		}
	}
	hist, err := s.History(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := numbers(hist); fmt.Sprint(got) != "[3 2 1]" {
		t.Fatalf("History = %v, want [3 2 1]", got)
	}
	hist, err = s.History(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	if got := numbers(hist); fmt.Sprint(got) != "[3 2]" {
		t.Fatalf("History(2) = %v, want [3 2]", got)
	}

	// The JSON of a version is the API's rule set shape.
	b, err := json.Marshal(cur)
	if err != nil {
		t.Fatal(err)
	}
	var shape struct {
		Version int               `json:"version"`
		Rules   []json.RawMessage `json:"rules"`
	}
	if err := json.Unmarshal(b, &shape); err != nil || shape.Version != 3 || len(shape.Rules) != 1 {
		t.Fatalf("JSON %s: %+v %v", b, shape, err)
	}
}

func numbers(vs []Version) []int {
	ns := make([]int, len(vs))
	for i, v := range vs {
		ns[i] = v.Number
	}
	return ns
}

func TestPutRejectsMalformedJSON(t *testing.T) {
	tr := newTestRedis(t)
	s := New(tr.Client, tr.Prefix)
	if _, err := s.Put(context.Background(), json.RawMessage(`[{"name":`), "alice", ""); !errors.Is(err, fault.ErrInvalid) {
		t.Fatalf("Put of malformed JSON: %v, want ErrInvalid", err)
	}
	if _, err := s.Current(context.Background()); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a rejected Put stored something: %v", err)
	}
}

func TestHistoryKeepsTheLast100(t *testing.T) {
	ctx := context.Background()
	tr := newTestRedis(t)
	s := New(tr.Client, tr.Prefix)
	for i := 1; i <= Keep+5; i++ {
		mustPut(t, s, rules(fmt.Sprint("r", i)), "alice", "")
	}
	hist, err := s.History(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != Keep || hist[0].Number != Keep+5 || hist[Keep-1].Number != 6 {
		t.Fatalf("History: %d versions, %d..%d", len(hist), hist[0].Number, hist[len(hist)-1].Number)
	}
	if _, err := s.Get(ctx, 5); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get of a dropped version: %v", err)
	}
}

func TestRollback(t *testing.T) {
	ctx := context.Background()
	tr := newTestRedis(t)
	s := New(tr.Client, tr.Prefix)
	mustPut(t, s, rules("first"), "alice", "")
	mustPut(t, s, rules("second"), "alice", "")
	n, err := s.Rollback(ctx, 1, "bob")
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Fatalf("Rollback made version %d, want 3", n)
	}
	cur, err := s.Current(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if cur.Number != 3 || string(cur.Rules) != string(rules("first")) || cur.By != "bob" || cur.Note != "rollback to 1" {
		t.Fatalf("after Rollback: %+v", cur)
	}
	if v2, err := s.Get(ctx, 2); err != nil || string(v2.Rules) != string(rules("second")) {
		t.Fatalf("version 2 after Rollback: %+v %v", v2, err)
	}
	if _, err := s.Rollback(ctx, 9, "bob"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Rollback to an unknown version: %v", err)
	}
}

func TestPutIfNoneLoadsOnce(t *testing.T) {
	ctx := context.Background()
	tr := newTestRedis(t)
	const n = 10
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		loaded int
		errs   []error
	)
	for i := range n {
		wg.Go(func() {
			s := New(tr.Client, tr.Prefix) // each its own instance
			v, ok, err := s.PutIfNone(ctx, rules(fmt.Sprint("file", i)), "rules_file")
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			if v != 1 {
				errs = append(errs, fmt.Errorf("PutIfNone answered version %d", v))
			}
			if ok {
				loaded++
			}
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if loaded != 1 {
		t.Fatalf("%d PutIfNone calls loaded the rules, want 1", loaded)
	}
	s := New(tr.Client, tr.Prefix)
	hist, err := s.History(ctx, 0)
	if err != nil || len(hist) != 1 {
		t.Fatalf("History after PutIfNone: %v %v", numbers(hist), err)
	}
	// Once rules are stored, PutIfNone leaves them alone.
	mustPut(t, s, rules("edited"), "alice", "")
	v, ok, err := s.PutIfNone(ctx, rules("file"), "rules_file")
	if err != nil || ok || v != 2 {
		t.Fatalf("PutIfNone over stored rules = %d %v %v, want 2 false", v, ok, err)
	}
}

func TestRedisDownIsUnavailable(t *testing.T) {
	ctx := context.Background()
	tr := newMiniRedis(t)
	s := New(tr.Client, tr.Prefix)
	mustPut(t, s, rules("r1"), "alice", "")
	tr.Mini.Close()
	_, err := s.Current(ctx)
	check := func(what string, err error) {
		t.Helper()
		if !fault.IsUnavailable(err) {
			t.Errorf("%s with Redis down: %v, want unavailable", what, err)
		}
	}
	check("Current", err)
	_, err = s.Get(ctx, 1)
	check("Get", err)
	_, err = s.History(ctx, 10)
	check("History", err)
	_, err = s.Put(ctx, rules("r2"), "alice", "")
	check("Put", err)
	_, _, err = s.PutIfNone(ctx, rules("r2"), "alice")
	check("PutIfNone", err)
	_, err = s.Rollback(ctx, 1, "alice")
	check("Rollback", err)
}

func TestPutIfRefusesAStaleBase(t *testing.T) {
	ctx := context.Background()
	tr := newTestRedis(t)
	s := New(tr.Client, tr.Prefix)
	mustPut(t, s, rules("first"), "alice", "")

	// Two managers both read version 1 and save at the same moment: one wins.
	var wg sync.WaitGroup
	results := make([]error, 8)
	for i := range results {
		wg.Go(func() {
			_, results[i] = s.PutIf(ctx, rules(fmt.Sprint("edit", i)), "bob", "", 1)
		})
	}
	wg.Wait()
	won := 0
	for _, err := range results {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, fault.ErrConflict):
			t.Errorf("PutIf: %v, want nil or ErrConflict", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d of %d saves based on version 1 went through, want 1", won, len(results))
	}
	if cur, _ := s.Current(ctx); cur.Number != 2 {
		t.Errorf("current version %d, want 2", cur.Number)
	}
	if _, err := s.PutIf(ctx, rules("x"), "bob", "", 0); !errors.Is(err, fault.ErrInvalid) {
		t.Errorf("PutIf with base 0: %v, want ErrInvalid", err)
	}
	if n, err := s.PutIf(ctx, rules("third"), "bob", "", 2); err != nil || n != 3 {
		t.Errorf("PutIf on the current version: %d, %v", n, err)
	}
}
