package redisstore

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"frontdesk/fault"
	"frontdesk/ticket"
)

// viewingScript keeps a ticket's viewers (lua/viewing.lua).
var viewingScript = preludeScript("viewing")

// Viewing records that user has ticket id open for ttl from now, by Redis's
// clock, and returns who holds the ticket and who has it open now, in name
// order. An empty user only reads. The viewers live in their own key beside
// the ticket, which expires with its last viewer.
func (s *Store) Viewing(ctx context.Context, id, user string, ttl time.Duration) (ticket.Presence, error) {
	if err := validID(id); err != nil {
		return ticket.Presence{}, err
	}
	if ttl < time.Second || ttl > time.Hour {
		return ticket.Presence{}, fmt.Errorf("viewing ticket %s: %w: ttl %v must be 1s-1h", id, fault.ErrInvalid, ttl)
	}
	v, err := viewingScript.Run(ctx, s.rdb, []string{s.ticketKey(id) + ":viewers"},
		s.base, id, user, ttl.Milliseconds()).StringSlice()
	if err != nil {
		return ticket.Presence{}, wrap("viewers of ticket "+id, err)
	}
	if len(v) == 0 {
		return ticket.Presence{}, fmt.Errorf("viewers of ticket %s: empty answer", id)
	}
	return ticket.Presence{Assignee: v[0], Viewers: v[1:]}, nil
}

// preludeScript is one script of lua/ joined with the shared prelude.
func preludeScript(name string) *redis.Script {
	return redis.NewScript(prelude() + "\n" + luaScript(name))
}

// prelude is what every store script starts with: the shared functions
// (prelude.lua), the outgoing webhooks' recording (hooks.lua) that every
// timeline event goes through, the search index's upkeep (search.lua) and
// the daily report's counters (report.lua) and the invitations' storing
// (invite_lib.lua), which a reply's append does too.
func prelude() string {
	return luaScript("prelude") + "\n" + luaScript("hooks") + "\n" + luaScript("search") + "\n" + luaScript("report") +
		"\n" + luaScript("invite_lib")
}

// luaScript is the text of lua/NAME.lua.
func luaScript(name string) string {
	b, err := luaFiles.ReadFile("lua/" + name + ".lua")
	if err != nil {
		panic(fmt.Sprintf("redisstore: embedded script %s: %v", name, err))
	}
	return string(b)
}
