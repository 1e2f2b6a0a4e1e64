package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/redis/go-redis/v9"

	"frontdesk/fault"
	"frontdesk/ticket"
)

// Shelf returns a person's own list of tickets; see ticket.Store.
func (s *Store) Shelf(ctx context.Context, shelf ticket.Shelf, user string, limit int) ([]ticket.Ticket, error) {
	if limit < 1 || limit > 200 {
		return nil, fmt.Errorf("%s of %s: limit %d must be 1-200: %w", shelf, user, limit, fault.ErrInvalid)
	}
	order := ""
	switch shelf {
	case ticket.ShelfSnoozed:
	case ticket.ShelfMentions:
		order = "rev"
	default:
		return nil, fmt.Errorf("%q is not a list of tickets: %w", shelf, fault.ErrInvalid)
	}
	v, err := s.scripts.waiting.Run(ctx, s.rdb, []string{s.key(string(shelf), user)}, s.base, limit, order).Slice()
	if err != nil {
		return nil, wrap(fmt.Sprintf("%s of %s", shelf, user), err)
	}
	out := make([]ticket.Ticket, 0, len(v)/2)
	for i := 0; i+1 < len(v); i += 2 {
		out = append(out, *decodeTicket(v[i], v[i+1]))
	}
	return out, nil
}

// NewMentions counts the tickets a user was mentioned on since they last
// looked (SeenMentions).
func (s *Store) NewMentions(ctx context.Context, user string) (int, error) {
	seen, err := s.rdb.Get(ctx, s.key("mentions_seen", user)).Result()
	if errors.Is(err, redis.Nil) {
		seen = "0"
	} else if err != nil {
		return 0, wrap("new mentions of "+user, err)
	}
	n, err := s.rdb.ZCount(ctx, s.key("mentions", user), "("+seen, "+inf").Result()
	if err != nil {
		return 0, wrap("new mentions of "+user, err)
	}
	return int(n), nil
}

// SeenMentions records that a user looked at their mentions now.
func (s *Store) SeenMentions(ctx context.Context, user string) error {
	err := s.rdb.Set(ctx, s.key("mentions_seen", user), strconv.FormatInt(s.now().UnixMilli(), 10), 0).Err()
	return wrap("mark the mentions of "+user+" seen", err)
}
