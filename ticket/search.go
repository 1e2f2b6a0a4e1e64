package ticket

import (
	"context"

	"frontdesk/internal/terms"
)

// Searcher finds tickets by the words of their subject, messages (inbound,
// outbound and internal notes) and voicemail transcripts. The store keeps the
// index in the same step that stores each message, so it is never behind.
type Searcher interface {
	// SearchTickets returns the ids of the tickets that hold every term of
	// q (the last as the start of a word when q.Prefix), newest first, at
	// most limit.
	SearchTickets(ctx context.Context, q terms.Query, limit int) ([]string, error)
	// DropSearch takes a ticket out of the search index, and its words out
	// of the index's dictionary where no other ticket has them. Retention
	// and erasure call it before they delete the ticket's messages (it
	// reads them to know the words).
	DropSearch(ctx context.Context, id string) error
	// IndexTicket indexes a ticket anew from what it holds now: for tickets
	// stored before the index existed.
	IndexTicket(ctx context.Context, id string) error
	// IndexMissing indexes every ticket the index does not have (stored
	// before it existed) and reports how many; after one finished pass it
	// looks only at the tickets stored since.
	IndexMissing(ctx context.Context) (int, error)
}
