package main

import (
	"context"
	"errors"
	"log/slog"
)

// indexMissing puts the tickets stored before the search index existed
// into it, once at start-up, in the background: new messages are indexed
// as they are stored, so after one pass every ticket is found, and later
// starts look only at the tickets stored since that pass. Every instance
// runs it; indexing a ticket twice leaves it indexed once.
func (a *app) indexMissing(ctx context.Context) {
	n, err := a.store.IndexMissing(ctx)
	switch {
	case err == nil:
		if n > 0 {
			a.logger.Info("search: indexed tickets stored before the index", slog.Int("tickets", n))
		}
	case errors.Is(err, context.Canceled):
	default:
		a.logger.Warn("search: index the tickets stored before the index; the next start goes on", slog.Int("tickets", n), slog.Any("error", err))
	}
}
