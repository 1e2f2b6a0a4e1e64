// Package front is what both fronts of the HTTP layer — the JSON API (package
// api) and the web UI (package ui) — work on: the desk (package desk), through
// whose verbs every change to a ticket goes, with its store for reading; the
// user accounts; and the routing rules. It also holds the few request helpers
// both fronts use the same way: a ticket list's filter, a status from a
// request, an attachment's download name.
package front

import (
	"context"
	"fmt"
	"slices"

	"frontdesk/desk"
	"frontdesk/fault"
	"frontdesk/routing"
	"frontdesk/routing/rulestore"
	"frontdesk/ticket"
	"frontdesk/web/auth"
)

// RuleSets is what the API and the UI need of the routing rules; package
// desk's Rules is it.
type RuleSets interface {
	// Current is the rule set in force with its version.
	Current(ctx context.Context) (*routing.RuleSet, error)
	// Replace validates a rule set whole (fault.ErrInvalid naming the rule
	// and field) and stores it as the next version.
	Replace(ctx context.Context, body []byte, by string) (int, error)
	// Test decides for a pasted mail ({"eml": …}) or a ticket JSON: the
	// matching rule, the decision and a trace of every condition tried.
	Test(ctx context.Context, body []byte) (routing.TestResult, error)
	// History lists the stored versions, newest first.
	History(ctx context.Context, limit int) ([]rulestore.Version, error)
	// Rollback stores an old version's rules as the next version.
	Rollback(ctx context.Context, version int, by string) (int, error)
	// Reroute runs the current rules again on a ticket and moves it.
	Reroute(ctx context.Context, id, by string) (routing.TestResult, error)
}

var _ RuleSets = (*desk.Rules)(nil)

// Front is what the API's and the UI's handlers work on. Make one with New.
type Front struct {
	// Desk changes tickets: every verb of the front desk.
	Desk *desk.Desk
	// Tickets is the desk's store, for reading: tickets, lists, counts,
	// attachments.
	Tickets  ticket.Store
	Accounts auth.Accounts
	// Rules backs the routing rules' routes; nil answers them with 404.
	Rules RuleSets
	// Webhooks are the outgoing webhooks the managers' pages show; nil
	// shows none.
	Webhooks *Webhooks
	// Downloads are the media downloads that gave up; nil shows none.
	Downloads Downloads
}

// New returns the front of d, with the accounts and, when rules is not nil,
// the routing rules.
func New(d *desk.Desk, accounts auth.Accounts, rules RuleSets) *Front {
	return &Front{Desk: d, Tickets: d.Store(), Accounts: accounts, Rules: rules}
}

// Queues are the configured queue names, in order.
func (f *Front) Queues() []string { return f.Desk.Queues() }

// KnownQueue refuses (fault.ErrNotFound) a queue that is not configured.
func (f *Front) KnownQueue(name string) error {
	if !slices.Contains(f.Queues(), name) {
		return fmt.Errorf("queue %q: %w", name, fault.ErrNotFound)
	}
	return nil
}

// UploadLimit is the largest request body a reply with files may be: its
// files at most Desk.AttachmentMaxSize together, in base64 (the JSON API's
// encoding, larger than a form's), plus 1 MiB for its text and the rest.
// The server's body limits (package web) and the reply handlers read
// replies up to it.
func (f *Front) UploadLimit() int64 { return UploadLimit(f.Desk.AttachmentMaxSize()) }

// UploadLimit is Front.UploadLimit for files of at most max bytes together.
func UploadLimit(max int64) int64 { return (max+2)/3*4 + 1<<20 }
