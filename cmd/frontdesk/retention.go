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

// checkSchema runs startChecks until Redis answers (a Redis that is away
// does not stop start-up) and returns an error only when start-up must stop:
// a newer key schema than this build's.
func (a *app) checkSchema(ctx context.Context) error {
	for ctx.Err() == nil {
		done, err := a.startChecks(ctx, time.Minute)
		if errors.Is(err, redisstore.ErrSchemaNewer) {
			return err
		}
		if err != nil {
			a.logger.Error("start-up checks", slog.Any("error", err))
		}
		if done {
			return nil
		}
	}
	return nil
}
