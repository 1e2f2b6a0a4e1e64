package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"frontdesk/fault"
	"frontdesk/ticket"
)

// outboxScripts are the dead list's scripts, kept apart from the store's
// main list.
var outboxScripts = sync.OnceValue(func() struct{ again, dead *redis.Script } {
	read := func(name string) string {
		b, err := luaFiles.ReadFile("lua/" + name + ".lua")
		if err != nil {
			panic(fmt.Sprintf("redisstore: embedded script %s: %v", name, err))
		}
		return string(b)
	}
	prelude := read("prelude")
	return struct{ again, dead *redis.Script }{
		again: redis.NewScript(prelude + "\n" + read("outbox_again")),
		dead:  redis.NewScript(prelude + "\n" + read("outbox_dead")),
	}
})

// SendAgain puts a failed or unknown outbound message back in the outbox
// (see ticket.Store).
func (s *Store) SendAgain(ctx context.Context, ticketID, messageID, by string) (bool, error) {
	if err := validID(ticketID); err != nil {
		return false, err
	}
	n, err := outboxScripts().again.Run(ctx, s.rdb, []string{s.ticketKey(ticketID)}, s.base, ticketID, messageID, by).Int()
	if err != nil {
		return false, wrap(fmt.Sprintf("send %s of ticket %s again", messageID, ticketID), err)
	}
	return n == 1, nil
}

// DeadSends lists the dead list (see ticket.Store).
func (s *Store) DeadSends(ctx context.Context, offset, limit int) (ticket.DeadSends, error) {
	if limit < 1 || limit > 500 || offset < 0 {
		return ticket.DeadSends{}, fmt.Errorf("list dead sends: limit must be 1-500, offset not negative: %w", fault.ErrInvalid)
	}
	v, err := outboxScripts().dead.Run(ctx, s.rdb, []string{s.key("outbox", "dead")}, s.base, offset, limit).StringSlice()
	if err != nil {
		return ticket.DeadSends{}, wrap("list dead sends", err)
	}
	var out ticket.DeadSends
	if len(v) == 0 {
		return out, nil
	}
	out.Total, _ = strconv.Atoi(v[0])
	for i := 1; i+6 < len(v); i += 7 {
		attempts, _ := strconv.Atoi(v[i+5])
		at, err := time.Parse(time.RFC3339Nano, v[i+4])
		if err != nil {
			at = parseMS(v[i+6])
		}
		out.Sends = append(out.Sends, ticket.DeadSend{TicketID: v[i], MessageID: v[i+1], Delivery: ticket.Delivery(v[i+2]),
			Detail: v[i+3], At: at, Attempts: attempts})
	}
	return out, nil
}

// DismissDead takes a send off the dead list (see ticket.Store).
func (s *Store) DismissDead(ctx context.Context, ticketID, messageID string) (bool, error) {
	if err := validID(ticketID); err != nil {
		return false, err
	}
	n, err := s.rdb.ZRem(ctx, s.key("outbox", "dead"), ticketID+" "+messageID).Result()
	return n == 1, wrap(fmt.Sprintf("dismiss dead send %s of ticket %s", messageID, ticketID), err)
}

// SentClaimTTL is how long a claim of an outside service's message id
// lasts: far longer than any lookup of an earlier try looks back.
const SentClaimTTL = 30 * 24 * time.Hour

// ClaimSent records which outbound message an outside service's message id
// stands for (see ticket.Store): SET NX, the first claim wins.
func (s *Store) ClaimSent(ctx context.Context, service, extID, ticketID, messageID string) (bool, error) {
	if err := validID(ticketID); err != nil {
		return false, err
	}
	if service == "" || extID == "" {
		return false, fmt.Errorf("claim a sent message: service and id are needed: %w", fault.ErrInvalid)
	}
	owner := ticketID + " " + messageID
	prev, err := s.rdb.SetArgs(ctx, s.key("sent", service, extID), owner, redis.SetArgs{Mode: "NX", Get: true, TTL: SentClaimTTL}).Result()
	if errors.Is(err, redis.Nil) {
		return true, nil
	}
	if err != nil {
		return false, wrap(fmt.Sprintf("claim %s %s for %s of ticket %s", service, extID, messageID, ticketID), err)
	}
	return prev == owner, nil
}
