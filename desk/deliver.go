package desk

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"frontdesk/fault"
	"frontdesk/internal/words"
	"frontdesk/ticket"
)

// Outgoing is an outbound message a delivery worker holds: the message as
// stored, its ticket, and the hold that settles it.
type Outgoing struct {
	ticket.Outbound
	Ticket  *ticket.Ticket
	Message ticket.Message
}

// Delivery policy: a failed try waits RetryMin, doubled per try up to
// RetryMax, plus up to a quarter more at random; a message that has not gone
// out within GiveUpAfter of being queued fails for good. A week outlasts any
// mail server's outage that a person would not notice first.
const (
	RetryMin    = 2 * time.Second
	RetryMax    = 5 * time.Minute
	GiveUpAfter = 7 * 24 * time.Hour
)

// NextOutgoing takes the outbound message due first for a delivery worker,
// under a lease that must outlast the worker's longest send:
// fault.ErrNotFound when none is due. A message whose ticket or record went
// missing is settled failed on the way.
func (d *Desk) NextOutgoing(ctx context.Context, lease time.Duration) (*Outgoing, error) {
	for {
		o, err := d.store.TakeOutbound(ctx, lease)
		if err != nil {
			return nil, err
		}
		// Nothing goes out before the store would keep it through a crash
		// of its host: a mail sent for a ticket that a crash then rolled
		// back would be followed by a second one when the input comes
		// again.
		if err := d.store.Durable(ctx); err != nil {
			return nil, err // the hold runs out and another worker takes it
		}
		t, err := d.store.Get(ctx, o.TicketID)
		if err != nil && !errors.Is(err, fault.ErrNotFound) {
			return nil, err // the hold runs out and another worker takes it
		}
		if t != nil {
			for _, m := range t.Messages {
				if m.ID == o.MessageID {
					return &Outgoing{Outbound: o, Ticket: t, Message: m}, nil
				}
			}
		}
		d.logger.Error("an outbound message in the outbox has no record; it is marked failed",
			slog.String("ticket", o.TicketID), slog.String("message", o.MessageID))
		_ = d.settle(ctx, o, ticket.Settlement{Delivery: ticket.DeliveryFailed, Detail: "the message went missing before it was sent", By: "frontdesk"})
	}
}

// Hold keeps a worker's lease on o alive while it works on it: every third
// of lease it renews the lease, until ctx ends or the message is no longer
// the worker's. A short lease lets another instance take over a crashed
// worker's messages soon; the renewal lets a slow send keep its own.
func (d *Desk) Hold(ctx context.Context, o *Outgoing, lease time.Duration) {
	t := time.NewTicker(lease / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		err := d.store.RenewOutbound(ctx, o.Outbound, lease)
		switch {
		case err == nil, fault.IsUnavailable(err), errors.Is(err, context.Canceled):
		default:
			return // settled, or taken over: nothing left to hold
		}
	}
}

// Sending records, at the last moment before a worker hands the message to
// the server or provider named by via, that it is being sent: of two workers
// holding one message (a lease ran out under a slow server), only one may.
// fault.ErrConflict means another worker has it or it is settled: do not
// send. Once this returns nil, the message is never sent again by itself: a
// crash before Sent leaves it unknown for a person to check.
//
// The mark is made durable before this returns (Store.Durable): on a Redis
// failover to a replica that lacked it, the message would be found merely
// taken, its lease would run out and another worker would send it a second
// time. A wait that fails is an error for which fault.IsUnavailable holds:
// do not send (the message is retried, or found unknown — never doubled).
func (d *Desk) Sending(ctx context.Context, o *Outgoing, via string) error {
	if err := d.settleWith(ctx, ctx, o.Outbound, ticket.Settlement{Delivery: ticket.DeliverySending, Detail: "handing it to " + via, By: "responder"}); err != nil {
		return err
	}
	if err := d.store.Durable(ctx); err != nil {
		return fmt.Errorf("mark %s sending: %w", o.MessageID, err)
	}
	return nil
}

// Sent records that the server or provider accepted the message, with its
// word on it ("accepted by smtp.example.com", a text's SID).
func (d *Desk) Sent(ctx context.Context, o *Outgoing, accepted string) error {
	return d.settle(ctx, o.Outbound, ticket.Settlement{Delivery: ticket.DeliverySent, Detail: accepted, By: "responder"})
}

// Failed records that the message cannot be delivered (a 5xx, an invalid
// number), with the reason, for the assistant to see.
func (d *Desk) Failed(ctx context.Context, o *Outgoing, reason string) error {
	return d.settle(ctx, o.Outbound, ticket.Settlement{Delivery: ticket.DeliveryFailed, Detail: reason, By: "responder"})
}

// Unknown records that nobody knows whether the message arrived: the
// connection was cut after the whole of it was handed over and before the
// server answered. It is never sent again by itself; the ticket shows it for
// a person to check and send again (SendAgain), or a delivery report settles
// it.
func (d *Desk) Unknown(ctx context.Context, o *Outgoing, reason string) error {
	return d.settle(ctx, o.Outbound, ticket.Settlement{Delivery: ticket.DeliveryUnknown, Detail: reason, By: "responder"})
}

// Retry puts a message whose send failed for now back in the outbox, due
// after the policy's wait for its attempt; one queued longer than
// GiveUpAfter fails for good instead. It returns when the next try is due
// (zero when it gave up).
func (d *Desk) Retry(ctx context.Context, o *Outgoing, reason string) (time.Duration, error) {
	if !o.Queued.IsZero() && d.now().Sub(o.Queued) > GiveUpAfter {
		tries := "tries"
		if o.Attempt == 1 {
			tries = "try"
		}
		detail := fmt.Sprintf("gave up after %d %s over %s: %s", o.Attempt, tries, words.Duration(d.now().Sub(o.Queued)), reason)
		return 0, d.Failed(ctx, o, detail)
	}
	wait := Backoff(o.Attempt)
	err := d.settle(ctx, o.Outbound, ticket.Settlement{Delivery: ticket.DeliveryQueued, Detail: reason, RetryIn: wait, By: "responder"})
	return wait, err
}

// Backoff is how long the policy waits after try attempt (1 for the first)
// failed: RetryMin doubled per try, at most RetryMax, plus up to a quarter
// more so that messages failed together do not come back together.
func Backoff(attempt int) time.Duration {
	wait := RetryMin
	for i := 1; i < attempt && wait < RetryMax; i++ {
		wait *= 2
	}
	wait = min(wait, RetryMax)
	return wait + time.Duration(rand.Int64N(int64(wait/4)+1))
}

// settleFor bounds how long recording a send's outcome keeps trying while
// Redis is unavailable.
const settleFor = 30 * time.Second

// settle records what became of a send. It keeps trying while Redis is
// unavailable, for up to settleFor, also once ctx has ended (a shutdown, the
// end of the worker's lease under a send that was cut off): an outcome that
// is not recorded would leave the message in a state that lies.
func (d *Desk) settle(ctx context.Context, o ticket.Outbound, s ticket.Settlement) error {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), settleFor)
	defer cancel()
	return d.settleWith(ctx, sctx, o, s)
}

// settleWith is settle retrying within ctx.
func (d *Desk) settleWith(parent, ctx context.Context, o ticket.Outbound, s ticket.Settlement) error {
	var err error
	for wait := 100 * time.Millisecond; ; wait = min(2*wait, 5*time.Second) {
		if err = d.store.SettleOutbound(ctx, o, s); err == nil || !fault.IsUnavailable(err) {
			return err
		}
		select {
		case <-ctx.Done():
			d.logger.LogAttrs(parent, slog.LevelError, "a send's state could not be recorded", slog.String("ticket", o.TicketID),
				slog.String("message", o.MessageID), slog.String("state", string(s.Delivery)), slog.Any("error", err))
			return err
		case <-time.After(wait):
		}
	}
}
