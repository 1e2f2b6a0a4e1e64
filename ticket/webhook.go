package ticket

import (
	"strconv"
	"time"
)

// HookEvent is one outgoing webhook event that a delivery worker holds, from
// Store.TakeHookEvent until it settles it. A ticket's events for one hook
// are given out one at a time, oldest first.
type HookEvent struct {
	// Hook is the id of the webhook it goes to (config.Webhook.ID).
	Hook     string
	TicketID string
	// Seq numbers the ticket's webhook events; with TicketID it makes the
	// delivery id, the same on every attempt.
	Seq int64
	// Event is the event's name: ticket.created, ticket.assigned,
	// ticket.replied, ticket.closed, ticket.reopened or sla.breached.
	Event string
	// At is when it happened; By who did it.
	At time.Time
	By string
	// Ticket is the ticket right after the change, without messages and
	// events.
	Ticket Ticket
	// Attempt is 1 on the first try and counts every take.
	Attempt int
	// Hold is the worker's claim on the event; settling checks it.
	Hold string
}

// DeliveryID is the event's idempotency key: "TICKET-SEQ", the same on
// every attempt and for every hook.
func (e HookEvent) DeliveryID() string { return e.TicketID + "-" + strconv.FormatInt(e.Seq, 10) }

// HookResult is what became of a webhook delivery attempt.
type HookResult string

// The results of an attempt.
const (
	// HookDelivered: the receiver answered 2xx.
	HookDelivered HookResult = "delivered"
	// HookFailed: it did not; the event is tried again later.
	HookFailed HookResult = "failed"
	// HookDead: it did not, and the event is too old to try again.
	HookDead HookResult = "dead"
	// HookLost: the worker trying it stopped before recording an answer;
	// the event was taken again.
	HookLost HookResult = "lost"
)

// HookOutcome is how a delivery attempt ended, for Store.SettleHookEvent.
type HookOutcome struct {
	// Delivered is true when the receiver answered 2xx.
	Delivered bool
	// Status is the receiver's HTTP status, 0 when none came.
	Status int
	// Duration is how long the attempt took.
	Duration time.Duration
	// Error says what went wrong, in a few words, or is empty.
	Error string
	// RetryIn is how long to wait before trying a failed event again.
	RetryIn time.Duration
	// MaxAge is how long after an event happened it is given up on.
	MaxAge time.Duration
}

// HookAttempt is one entry of a webhook's delivery log.
type HookAttempt struct {
	At       time.Time  `json:"at"`
	TicketID string     `json:"ticket_id"`
	Delivery string     `json:"delivery"` // the delivery id, TICKET-SEQ
	Event    string     `json:"event"`
	Attempt  int        `json:"attempt"`
	Result   HookResult `json:"result"`
	// Status is the receiver's HTTP status, 0 when none came.
	Status     int    `json:"status"`
	DurationMS int64  `json:"duration_ms"`
	Error      string `json:"error"`
}

// HookStats counts a webhook's work: the tickets with events waiting, the
// attempts so far by result, and the given-up events kept.
type HookStats struct {
	Waiting   int64 `json:"waiting"`
	Delivered int64 `json:"delivered"`
	Failed    int64 `json:"failed"`
	Dead      int64 `json:"dead"`
	Lost      int64 `json:"lost"`
	// GivenUp counts the given-up events kept (the latest 1,000), which
	// can be sent again.
	GivenUp int64 `json:"given_up"`
}
