// Package desk is what the JSON API (package api) and the web UI (package ui)
// both work on — the ticket store, the accounts, the routing rules and the
// configured queues — and the few things both do the same way: queue a reply
// (who it goes to, its subject and Message-ID), refuse an assignee who is not
// a user or a queue that is not configured, read a ticket list's filter and a
// status from a request, and name an attachment for download.
//
// The reply's rules and the choice of the next ticket are business rules that
// belong to the domain, not to HTTP; until a domain package holds them, they
// live here, once, for both front ends.
package desk

import (
	"context"
	"fmt"
	"slices"
	"time"

	"frontdesk/fault"
	"frontdesk/ticket"
	"frontdesk/web/auth"
)

// RuleSets is what the API and the UI need of the routing rules (package
// dispatch implements it through an adapter in cmd/frontdesk).
type RuleSets interface {
	// Current is the rule set in force with its version.
	Current(ctx context.Context) (any, error)
	// Replace validates a rule set whole (fault.ErrInvalid naming the rule
	// and field) and stores it as the next version.
	Replace(ctx context.Context, body []byte, by string) (int, error)
	// Test decides for a pasted mail ({"eml": …}) or a ticket JSON: the
	// matching rule, the decision and a trace of every condition tried.
	Test(ctx context.Context, body []byte) (any, error)
	// History lists the stored versions, newest first.
	History(ctx context.Context, limit int) (any, error)
	// Rollback stores an old version's rules as the next version.
	Rollback(ctx context.Context, version int, by string) (int, error)
	// Reroute runs the current rules again on a ticket and moves it.
	Reroute(ctx context.Context, id, by string) (any, error)
}

// Desk is what the API's and the UI's handlers work on. Make one with New.
type Desk struct {
	Tickets  ticket.Store
	Accounts auth.Accounts
	// Rules backs the routing rules' routes; nil answers them with 404.
	Rules RuleSets
	// Queues are the configured queue names, in order.
	Queues []string
	// QueueAddress returns a queue's own address, the From of replies on
	// its tickets; "" when it has none.
	QueueAddress func(queue string) string
	// ClaimLease is how long a ticket claimed with "take next" stays with
	// its assistant unless they act on it.
	ClaimLease time.Duration
}

// New returns a Desk of d's fields, with Queues copied and the defaults of
// those left zero: a ClaimLease of 15 minutes, and no queue with an address
// for a nil QueueAddress.
func New(d Desk) *Desk {
	d.Queues = slices.Clone(d.Queues)
	if d.ClaimLease <= 0 {
		d.ClaimLease = 15 * time.Minute
	}
	if d.QueueAddress == nil {
		d.QueueAddress = func(string) string { return "" }
	}
	return &d
}

// KnownQueue refuses (fault.ErrNotFound) a queue that is not configured.
func (d *Desk) KnownQueue(name string) error {
	if !slices.Contains(d.Queues, name) {
		return fmt.Errorf("queue %q: %w", name, fault.ErrNotFound)
	}
	return nil
}

// CheckAssignee refuses (fault.ErrInvalid) a name that is not a user's.
func (d *Desk) CheckAssignee(ctx context.Context, name string) error {
	users, err := d.Accounts.List(ctx)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(users, func(u auth.Principal) bool { return u.Name == name }) {
		return fmt.Errorf("%w: assignee %q is not a user", fault.ErrInvalid, name)
	}
	return nil
}
