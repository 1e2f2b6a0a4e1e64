package desk

import (
	"context"
	"fmt"
	"strings"

	"frontdesk/fault"
)

// Merge moves every message of ticket id onto ticket into — two tickets that
// are one matter (a caller who also wrote, a customer who wrote twice). id
// is closed and points to the other; mail, calls, recordings and delivery
// reports that later reach id land on the other. It returns the id of the
// ticket left. Refused (fault.ErrConflict) when a ticket is merged into
// itself, when id was merged already, and while a reply on id is still
// being sent.
func (d *Desk) Merge(ctx context.Context, id, into, by string) (string, error) {
	into = strings.TrimPrefix(strings.TrimSpace(into), "#")
	if into == "" {
		return "", fmt.Errorf("%w: the ticket to merge into is required", fault.ErrInvalid)
	}
	left, err := d.store.Merge(ctx, id, into, by)
	if err != nil {
		return "", fmt.Errorf("merge ticket %s into %s: %w", id, into, err)
	}
	return left, nil
}
