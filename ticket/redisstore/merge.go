package redisstore

import (
	"context"
	"fmt"

	"frontdesk/fault"
)

// Merge moves every message of ticket id onto ticket into; see ticket.Store.
func (s *Store) Merge(ctx context.Context, id, into, by string) (string, error) {
	if err := validID(id); err != nil {
		return "", err
	}
	if err := validID(into); err != nil {
		return "", err
	}
	if by == "" {
		return "", fmt.Errorf("merge ticket %s: who merges it is required: %w", id, fault.ErrInvalid)
	}
	now := s.now()
	v, err := s.scripts.merge.Run(ctx, s.rdb, []string{s.ticketKey(id)}, s.base, id, into, by, ms(now), rfc(now)).Slice()
	if err != nil {
		return "", wrap(fmt.Sprintf("merge ticket %s into %s", id, into), err)
	}
	left, _ := v[0].(string)
	return left, nil
}
