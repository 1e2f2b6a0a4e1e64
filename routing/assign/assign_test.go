package assign

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"frontdesk/config"
	"frontdesk/fault"
)

// members is an in-memory Members.
type members struct {
	mu   sync.Mutex
	away map[string]bool
	open map[string]int
	fail error // returned by Away when set
}

func newMembers() *members { return &members{away: map[string]bool{}, open: map[string]int{}} }

func (m *members) Away(_ context.Context, name string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return false, m.fail
	}
	if name == "ghost" {
		return false, fmt.Errorf("user %s: %w", name, fault.ErrNotFound)
	}
	return m.away[name], nil
}

func (m *members) OpenCount(_ context.Context, name string) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.open[name], nil
}

var team = config.Team{Name: "support", Members: []string{"ann", "bob", "cat", "dan"}}

func picks(t *testing.T, a *Assigner, tm config.Team, strategy string, n int) []string {
	t.Helper()
	var got []string
	for range n {
		name, err := a.Pick(context.Background(), tm, strategy)
		if err != nil {
			t.Fatalf("Pick: %v", err)
		}
		got = append(got, name)
	}
	return got
}

func TestRoundRobinIsFairAcrossInstances(t *testing.T) {
	tr := newTestRedis(t)
	m := newMembers()
	const instances, each = 3, 100
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		counts = map[string]int{}
		errs   []error
	)
	for range instances {
		a := New(tr.Another(t), tr.Prefix, m) // its own connection: another instance
		for range each {
			wg.Go(func() {
				name, err := a.Pick(context.Background(), team, RoundRobin)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					errs = append(errs, err)
					return
				}
				counts[name]++
			})
		}
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatal(errs[0])
	}
	want := instances * each / len(team.Members)
	for _, name := range team.Members {
		if c := counts[name]; c < want-1 || c > want+1 {
			t.Errorf("%s got %d tickets, want %d ± 1 (all: %v)", name, c, want, counts)
		}
	}
}

func TestRoundRobinSkips(t *testing.T) {
	capped := team
	capped.MaxOpenPerMember = 2
	tests := []struct {
		name string
		team config.Team
		away []string
		open map[string]int
		want string
	}{
		{"in turn", team, nil, nil, "ann bob cat dan ann bob cat dan"},
		{"away", team, []string{"bob"}, nil, "ann cat dan ann cat dan"},
		{"two away", team, []string{"ann", "dan"}, nil, "bob cat bob cat"},
		{"at the cap", capped, nil, map[string]int{"cat": 2, "dan": 1}, "ann bob dan ann bob dan"},
		{"over the cap", capped, nil, map[string]int{"ann": 5}, "bob cat dan bob cat dan"},
		{"no cap", team, nil, map[string]int{"ann": 50}, "ann bob cat dan"},
		{"unknown user", config.Team{Name: "t", Members: []string{"ann", "ghost", "bob"}}, nil, nil, "ann bob ann bob"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := newTestRedis(t)
			m := newMembers()
			for _, n := range tc.away {
				m.away[n] = true
			}
			for n, c := range tc.open {
				m.open[n] = c
			}
			a := New(tr.Client, tr.Prefix, m)
			want := strings.Fields(tc.want)
			if got := picks(t, a, tc.team, RoundRobin, len(want)); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("picks %v, want %v", got, want)
			}
		})
	}
}

func TestLeastOpen(t *testing.T) {
	capped := team
	capped.MaxOpenPerMember = 3
	tests := []struct {
		name string
		team config.Team
		away []string
		open map[string]int
		want string
	}{
		{"fewest", team, nil, map[string]int{"ann": 3, "bob": 2, "cat": 1, "dan": 4}, "cat"},
		{"ties by name", team, nil, map[string]int{"ann": 3, "bob": 1, "cat": 1, "dan": 4}, "bob"},
		{"all zero", team, nil, nil, "ann"},
		{"away skipped", team, []string{"cat"}, map[string]int{"ann": 3, "bob": 2, "cat": 0, "dan": 4}, "bob"},
		{"cap", capped, []string{"bob"}, map[string]int{"ann": 3, "bob": 0, "cat": 3, "dan": 2}, "dan"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := newTestRedis(t)
			m := newMembers()
			for _, n := range tc.away {
				m.away[n] = true
			}
			for n, c := range tc.open {
				m.open[n] = c
			}
			got, err := New(tr.Client, tr.Prefix, m).Pick(context.Background(), tc.team, LeastOpen)
			if err != nil || got != tc.want {
				t.Fatalf("Pick = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestNoneAvailable(t *testing.T) {
	tr := newTestRedis(t)
	m := newMembers()
	capped := team
	capped.MaxOpenPerMember = 1
	for _, n := range team.Members {
		m.open[n] = 1
	}
	a := New(tr.Client, tr.Prefix, m)
	for _, strategy := range []string{RoundRobin, LeastOpen} {
		if _, err := a.Pick(context.Background(), capped, strategy); !errors.Is(err, ErrNoneAvailable) {
			t.Errorf("%s, all full: %v, want ErrNoneAvailable", strategy, err)
		}
		if _, err := a.Pick(context.Background(), config.Team{Name: "empty"}, strategy); !errors.Is(err, ErrNoneAvailable) {
			t.Errorf("%s, no members: %v, want ErrNoneAvailable", strategy, err)
		}
	}
	for _, n := range team.Members {
		m.away[n] = true
	}
	for _, strategy := range []string{RoundRobin, LeastOpen} {
		if _, err := a.Pick(context.Background(), team, strategy); !errors.Is(err, ErrNoneAvailable) {
			t.Errorf("%s, all away: %v, want ErrNoneAvailable", strategy, err)
		}
	}
	// The failed round goes once round the team: the order is kept.
	for _, n := range team.Members {
		m.away[n] = false
	}
	if got := picks(t, a, team, RoundRobin, 2); fmt.Sprint(got) != "[ann bob]" {
		t.Errorf("after a failed round: %v, want [ann bob]", got)
	}
}

func TestPickErrors(t *testing.T) {
	tr := newMiniRedis(t)
	m := newMembers()
	a := New(tr.Client, tr.Prefix, m)
	ctx := context.Background()
	if _, err := a.Pick(ctx, team, "random"); !errors.Is(err, fault.ErrInvalid) {
		t.Errorf("unknown strategy: %v, want ErrInvalid", err)
	}
	if got, err := a.Pick(ctx, team, ""); err != nil || got != "ann" {
		t.Errorf("empty strategy: %q %v, want round robin's ann", got, err)
	}
	m.fail = fault.Unavailable(errors.New("accounts down"))
	for _, strategy := range []string{RoundRobin, LeastOpen} {
		if _, err := a.Pick(ctx, team, strategy); !fault.IsUnavailable(err) {
			t.Errorf("%s with Members failing: %v, want unavailable", strategy, err)
		}
	}
	m.fail = nil
	tr.Mini.Close()
	if _, err := a.Pick(ctx, team, RoundRobin); !fault.IsUnavailable(err) {
		t.Errorf("round robin with Redis down: %v, want unavailable", err)
	}
}
