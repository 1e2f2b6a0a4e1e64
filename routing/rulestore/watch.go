package rulestore

import (
	"context"
	"log/slog"
	"time"

	"frontdesk/fault"
)

// Watch calls apply with the current version now and again every time the
// current version changes, checking every interval (1 s when not positive):
// so every instance follows a change within two intervals. It returns when
// ctx is done.
//
// An apply error is logged, and that version is not tried again: the next
// change is. While Redis cannot be reached the last applied version stays in
// effect; that Redis is down, and that it is back, are each logged once.
// Until a first version is stored apply is not called.
func (s *Store) Watch(ctx context.Context, interval time.Duration, logger *slog.Logger, apply func(Version) error) {
	if interval <= 0 {
		interval = time.Second
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	w := watcher{s: s, logger: logger, apply: apply}
	w.check(ctx)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			w.check(ctx)
		}
	}
}

type watcher struct {
	s       *Store
	logger  *slog.Logger
	apply   func(Version) error
	seen    int // the last version handed to apply, or that failed to load
	applied int // the last version apply accepted
	down    bool
}

func (w *watcher) check(ctx context.Context) {
	n, err := w.s.currentNumber(ctx)
	if err == nil && n != 0 && n != w.seen {
		var v Version
		v, err = w.s.Get(ctx, n)
		if err == nil {
			w.up()
			w.seen = n
			if err := w.apply(v); err != nil {
				w.logger.Error("apply rule set", slog.Int("version", n), slog.Any("error", err))
				return
			}
			w.applied = n
			w.logger.Info("rule set applied", slog.Int("version", n))
			return
		}
	}
	switch {
	case err == nil:
		w.up()
	case ctx.Err() != nil:
		// Shutting down: not worth a log line.
	case fault.IsUnavailable(err):
		if !w.down {
			w.down = true
			w.logger.Error("rule set: Redis unavailable, keeping the applied rules",
				slog.Int("version", w.applied), slog.Any("error", err))
		}
	default: // version n is stored but unreadable: wait for the next one
		w.up()
		w.seen = n
		w.logger.Error("load rule set", slog.Int("version", n), slog.Any("error", err))
	}
}

func (w *watcher) up() {
	if w.down {
		w.down = false
		w.logger.Info("rule set: Redis reachable again", slog.Int("version", w.applied))
	}
}
