package main

import (
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"time"

	"frontdesk/fault"
	"frontdesk/ticket/redisstore"
)

// retentionEvery is how often the retention sweep runs (one instance a round).
const retentionEvery = time.Hour

// sweepRetention runs the tickets.retention sweep every retentionEvery until
// ctx ends, the first round a minute after start; off when retention is 0.
func (a *app) sweepRetention(ctx context.Context, every time.Duration) {
	if a.cfg.Tickets.Retention == 0 {
		return
	}
	instance := a.instance
	if instance == "" {
		instance = "frontdesk-" + rand.Text()[:8]
	}
	logger := a.logger.With(slog.String("component", "retention"))
	wait := time.Minute
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = every
		_, err := a.desk.SweepRetention(ctx, instance, every)
		switch {
		case err == nil, errors.Is(err, context.Canceled):
		case fault.IsUnavailable(err):
			logger.Debug("retention sweep: redis unavailable", slog.Any("error", err))
			wait = time.Minute
		default:
			logger.Error("retention sweep", slog.Any("error", err))
		}
	}
}

// checkSchema reads the key schema version in Redis until Redis answers (a
// Redis that is away does not stop start-up) and returns an error only for
// a newer schema than this build's, which must stop it.
func (a *app) checkSchema(ctx context.Context) error {
	for {
		v, err := a.store.CheckSchema(ctx)
		switch {
		case err == nil:
			a.logger.Debug("redis key schema", slog.Int("version", v))
			return nil
		case errors.Is(err, redisstore.ErrSchemaNewer):
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Second):
		}
	}
}
