package desk

import (
	"context"
	"time"

	"frontdesk/ticket"
)

// ViewFor is how long a ticket counts as open on someone's screen after the
// page last said so: its page says so every 15 s while it is shown, so one
// late ping does not make a viewer vanish, and a closed page is gone within
// a minute.
const ViewFor = 40 * time.Second

// Viewing records that user has ticket id open now (for ViewFor), and
// returns who holds the ticket and who has it open, by the store's clock.
// An empty user only reads.
func (d *Desk) Viewing(ctx context.Context, id, user string) (ticket.Presence, error) {
	p, err := d.store.Viewing(ctx, id, user, ViewFor)
	if p.Viewers == nil {
		p.Viewers = []string{}
	}
	return p, err
}
