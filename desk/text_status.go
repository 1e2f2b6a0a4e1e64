package desk

import (
	"context"
	"errors"
	"fmt"

	"frontdesk/fault"
	"frontdesk/ticket"
)

// TextDelivery records what Twilio's status callback reports of an outbound
// text, message mid of ticket id: delivered, or failed with the reason in
// words — also for a text whose send was cut off and is unknown. A report
// that changes nothing (about no outbound text, the state it is in already,
// anything after delivered) changes nothing, so that a callback delivered
// twice records one event. It returns once the change would survive a crash
// of the store's host.
func (d *Desk) TextDelivery(ctx context.Context, id, mid string, state ticket.Delivery, detail string) error {
	t, err := d.store.Get(ctx, id)
	if errors.Is(err, fault.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("record %s of text %s on ticket %s: %w", state, mid, id, err)
	}
	for _, m := range t.Messages {
		if m.ID != mid {
			continue
		}
		if m.Direction != ticket.DirectionOut || m.Channel == ticket.ChannelFax || m.Channel == ticket.ChannelEmail ||
			m.Delivery == state || m.Delivery == ticket.DeliveryDelivered || m.Delivery == ticket.DeliveryQueued {
			return nil
		}
	}
	// Not found here: a text moved by a merge is found where it is now
	// (SetDelivery follows the merge); one that never was is NotFound.
	if err := d.store.SetDelivery(ctx, id, mid, state, detail, "twilio"); err != nil {
		if errors.Is(err, fault.ErrNotFound) {
			return nil
		}
		return fmt.Errorf("record %s of text %s on ticket %s: %w", state, mid, id, err)
	}
	return d.store.Durable(ctx)
}
