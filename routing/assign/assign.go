// Package assign picks the assistant for a ticket: round robin that stays
// fair across instances, least open, a cap per assistant, away assistants
// skipped.
package assign

import (
	"context"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"

	"frontdesk/config"
	"frontdesk/fault"
)

// The strategies of an assign action ("strategy" in the rule set JSON).
const (
	RoundRobin = "round_robin"
	LeastOpen  = "least_open"
)

// ErrNoneAvailable: every member of the team is away or at the team's cap
// (or the team has no members).
var ErrNoneAvailable = errors.New("no team member available")

// Members tells the Assigner about the people it picks from. Adapters in
// cmd implement it: the accounts for Away, the ticket store for OpenCount.
// A member unknown to either (an error wrapping fault.ErrNotFound) is
// skipped; any other error fails the pick.
type Members interface {
	// Away reports whether name is marked away.
	Away(ctx context.Context, name string) (bool, error)
	// OpenCount is the number of open tickets assigned to name.
	OpenCount(ctx context.Context, name string) (int, error)
}

// Assigner picks team members. Its only state is one round robin cursor per
// team in Redis, PREFIX:assign:{TEAM}:cursor, shared by every instance. An
// Assigner is safe for concurrent use.
type Assigner struct {
	rdb    redis.UniversalClient
	prefix string
	m      Members
}

// New returns an Assigner with its cursors under prefix ("frontdesk" when
// empty) that asks m about members.
func New(rdb redis.UniversalClient, prefix string, m Members) *Assigner {
	if prefix == "" {
		prefix = "frontdesk"
	}
	return &Assigner{rdb: rdb, prefix: prefix, m: m}
}

func (a *Assigner) cursorKey(team string) string {
	return a.prefix + ":assign:{" + team + "}:cursor"
}

// Pick returns the member of team to give the next ticket.
//
// With RoundRobin (also when strategy is empty) it is the next member in turn
// after the team's cursor: each turn INCRs the cursor in Redis, so several
// instances interleave as one, and takes Members[(n-1) mod len]. A member who
// is away or at the cap (team.MaxOpenPerMember > 0 and OpenCount >= it) loses
// that turn and the next turn is taken, at most len(Members) turns in all: a
// skipped member's turn goes to the next one, the others keep their order.
//
// With LeastOpen it is the available member with the fewest open tickets,
// ties going to the first name in sort order; Redis is not used.
//
// Pick answers ErrNoneAvailable when every member is away or full, an error
// wrapping fault.ErrInvalid for an unknown strategy, and one that
// fault.IsUnavailable recognises when Redis fails.
func (a *Assigner) Pick(ctx context.Context, team config.Team, strategy string) (string, error) {
	switch strategy {
	case RoundRobin, "":
		return a.roundRobin(ctx, team)
	case LeastOpen:
		return a.leastOpen(ctx, team)
	}
	return "", fmt.Errorf("pick from team %s: strategy %q: %w", team.Name, strategy, fault.ErrInvalid)
}

func (a *Assigner) roundRobin(ctx context.Context, team config.Team) (string, error) {
	members := team.Members
	for range len(members) {
		n, err := a.rdb.Incr(ctx, a.cursorKey(team.Name)).Result()
		if err != nil {
			return "", fault.Redis(fmt.Sprintf("pick from team %s: advance the cursor", team.Name), err)
		}
		i := (n - 1) % int64(len(members))
		if i < 0 {
			i += int64(len(members))
		}
		name := members[i]
		ok, _, err := a.available(ctx, team, name, false)
		if err != nil {
			return "", fmt.Errorf("pick from team %s: %w", team.Name, err)
		}
		if ok {
			return name, nil
		}
	}
	return "", fmt.Errorf("pick from team %s: %w", team.Name, ErrNoneAvailable)
}

func (a *Assigner) leastOpen(ctx context.Context, team config.Team) (string, error) {
	best, bestOpen := "", 0
	for _, name := range team.Members {
		ok, open, err := a.available(ctx, team, name, true)
		if err != nil {
			return "", fmt.Errorf("pick from team %s: %w", team.Name, err)
		}
		if !ok {
			continue
		}
		if best == "" || open < bestOpen || open == bestOpen && name < best {
			best, bestOpen = name, open
		}
	}
	if best == "" {
		return "", fmt.Errorf("pick from team %s: %w", team.Name, ErrNoneAvailable)
	}
	return best, nil
}

// available reports whether name may take a ticket and, when asked for it
// with count or the team has a cap, the member's open count.
func (a *Assigner) available(ctx context.Context, team config.Team, name string, count bool) (bool, int, error) {
	away, err := a.m.Away(ctx, name)
	if errors.Is(err, fault.ErrNotFound) {
		return false, 0, nil
	}
	if err != nil {
		return false, 0, fmt.Errorf("is %s away: %w", name, err)
	}
	if away {
		return false, 0, nil
	}
	if !count && team.MaxOpenPerMember <= 0 {
		return true, 0, nil
	}
	open, err := a.m.OpenCount(ctx, name)
	if errors.Is(err, fault.ErrNotFound) {
		return false, 0, nil
	}
	if err != nil {
		return false, 0, fmt.Errorf("open tickets of %s: %w", name, err)
	}
	if team.MaxOpenPerMember > 0 && open >= team.MaxOpenPerMember {
		return false, open, nil
	}
	return true, open, nil
}
