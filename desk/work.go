package desk

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"frontdesk/fault"
	"frontdesk/ticket"
)

// People tells the desk who may hold tickets (package accounts, through an
// adapter in cmd/frontdesk).
type People interface {
	// IsUser reports whether name is a user's.
	IsUser(ctx context.Context, name string) (bool, error)
}

// SetPeople gives the desk the user accounts, against which Assign checks
// the assignee; without them any name is taken.
func (d *Desk) SetPeople(p People) { d.people = p }

// TakeNext gives assistant the next waiting ticket under the claim lease
// (tickets.claim_lease): the most urgent — priority, then age — of the queues
// named, or of every queue when none is named. fault.ErrNotFound when nobody
// waits; a queue that is not configured is fault.ErrNotFound too.
func (d *Desk) TakeNext(ctx context.Context, assistant string, queues ...string) (*ticket.Ticket, error) {
	if assistant == "" {
		return nil, fmt.Errorf("%w: who takes the ticket is required", fault.ErrInvalid)
	}
	known := d.Queues()
	if len(queues) == 0 {
		queues = known
	}
	for _, q := range queues {
		if !slices.Contains(known, q) {
			return nil, fmt.Errorf("queue %q: %w", q, fault.ErrNotFound)
		}
	}
	return d.store.ClaimNext(ctx, queues, assistant, d.ClaimLease())
}

// ClaimLease is how long a ticket taken with TakeNext stays with its
// assistant unless they act on it.
func (d *Desk) ClaimLease() time.Duration {
	if l := d.cfg.Tickets.ClaimLease; l > 0 {
		return l
	}
	return 15 * time.Minute
}

// Assign gives a ticket to a user for good (no lease), taking it out of its
// queue: assigning, taking it oneself, or handing it over. The assignee must
// be a user (fault.ErrInvalid otherwise).
func (d *Desk) Assign(ctx context.Context, id, assignee, by string) error {
	assignee = strings.TrimSpace(assignee)
	if assignee == "" {
		return fmt.Errorf("%w: assignee is required", fault.ErrInvalid)
	}
	if d.people != nil {
		ok, err := d.people.IsUser(ctx, assignee)
		if err != nil {
			return fmt.Errorf("assign ticket %s: %w", id, err)
		}
		if !ok {
			return fmt.Errorf("%w: %q is not a user", fault.ErrInvalid, assignee)
		}
	}
	return d.store.Assign(ctx, id, assignee, by)
}

// Release puts a ticket back in its queue, unassigned.
func (d *Desk) Release(ctx context.Context, id, by string) error {
	return d.store.Release(ctx, id, by)
}

// SetStatus changes a ticket's status: new puts it back in its queue, open
// and pending keep it with its assignee, closed ends its lease and its SLA
// clock.
func (d *Desk) SetStatus(ctx context.Context, id string, status ticket.Status, by string) error {
	switch status {
	case ticket.StatusNew, ticket.StatusOpen, ticket.StatusPending, ticket.StatusClosed:
	default:
		return fmt.Errorf("%w: status %q must be new, open, pending or closed", fault.ErrInvalid, status)
	}
	return d.store.SetStatus(ctx, id, status, by)
}
