package desk

import (
	"context"
	"fmt"

	"frontdesk/ticket"
)

// SendAgain sends an outbound message again whose send ended failed or
// unknown: a person checked (the customer did not get it, the address is
// mended) and decides. It reports true when the message was put back in
// the outbox, false when it is on its way already: a second click, or two
// people at once, send it once. fault.ErrConflict when it was sent or
// delivered; fault.ErrNotFound when there is no such outbound message.
func (d *Desk) SendAgain(ctx context.Context, ticketID, messageID, by string) (bool, error) {
	again, err := d.store.SendAgain(ctx, ticketID, messageID, by)
	if err != nil {
		return false, fmt.Errorf("send %s of ticket %s again: %w", messageID, ticketID, err)
	}
	if again {
		d.notifyQueued()
	}
	return again, nil
}

// DeadSends lists the sends that ended failed or unknown, oldest first:
// the dead letters a manager looks through.
func (d *Desk) DeadSends(ctx context.Context, offset, limit int) (ticket.DeadSends, error) {
	list, err := d.store.DeadSends(ctx, offset, limit)
	if err != nil {
		return ticket.DeadSends{}, fmt.Errorf("list dead sends: %w", err)
	}
	return list, nil
}

// DismissDead takes a send off the dead list without sending it: the
// manager dealt with it otherwise. The message keeps its state.
// It reports false for a send not on the list.
func (d *Desk) DismissDead(ctx context.Context, ticketID, messageID string) (bool, error) {
	ok, err := d.store.DismissDead(ctx, ticketID, messageID)
	if err != nil {
		return false, fmt.Errorf("dismiss dead send %s of ticket %s: %w", messageID, ticketID, err)
	}
	return ok, nil
}
