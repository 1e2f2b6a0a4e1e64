package phone

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sync"
	"time"

	"frontdesk/fault"
	"frontdesk/spool"
)

// Why webhooks are spooled: during a Redis failover the store can refuse
// writes for a minute. Twilio waits 15 seconds for an answer and, by
// default, does not deliver a webhook again after a 503, so a text or a
// voicemail answered 503 is gone. A webhook whose signature and SIDs
// checked out but that the store cannot take now is therefore written to
// the instance's spool (Options.Spool), fsynced, and answered as if stored;
// from then on the spool is responsible for it. RunSpool replays spooled
// webhooks through the same Sink, oldest first, and removes each only once
// the Sink and Durable have succeeded: a crash in between replays it again,
// which the Sink's idempotency by SID makes harmless.

// spoolEntry is one spooled webhook: what is needed to read it again as it
// was read when it came.
type spoolEntry struct {
	// V is the format's version: 1.
	V int `json:"v"`
	// Path is the webhook's route path, /twilio/sms and so on.
	Path string `json:"path"`
	// Form is the raw request body whose signature was checked.
	Form string `json:"form"`
	// Token is the I-Twilio-Idempotency-Token header.
	Token string `json:"token,omitempty"`
	// Received is when the request came.
	Received time.Time `json:"received"`
}

// Replay limits.
const (
	// drainBatch is how many spooled webhooks are replayed before one
	// Durable wait and one removal from the spool.
	drainBatch = 64
	// replayAttempts is how often a spooled webhook that fails for another
	// reason than an unavailable store is tried before it is set aside.
	replayAttempts = 3
	// Pauses between drains while the store stays unavailable.
	drainPauseMin = 250 * time.Millisecond
	drainPauseMax = 15 * time.Second
)

// drainState is what the drainer remembers between drains.
type drainState struct {
	mu       sync.Mutex        // one drain at a time: replays keep their order
	failures map[uint64]int    // entry id → failed replays (not for unavailability)
	lastErr  map[uint64]string // entry id → the last failure
}

// keep stores ev through the Sink and Durable; when the store is
// unavailable (or slower than SinkTimeout), and there is a spool, it spools
// the webhook instead. It returns nil when Twilio may hear that the webhook
// is done. While the spool holds webhooks, ev joins them without trying the
// store, so that the Sink sees the webhooks in the order they came.
func (w *Webhooks) keep(reqCtx context.Context, path string, body []byte, c Common, ev event) error {
	sp := w.opts.Spool
	if sp != nil && sp.Stats().Pending > 0 {
		return w.spoolWebhook(reqCtx, path, body, c, errors.New("webhooks before it are spooled"))
	}
	ctx, cancel := context.WithTimeout(reqCtx, w.opts.SinkTimeout)
	defer cancel()
	err := w.deliver(ctx, ev)
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) && reqCtx.Err() == nil {
		err = fault.Unavailable(fmt.Errorf("store a webhook in %s: %w", w.opts.SinkTimeout, err))
	}
	if err == nil || sp == nil || !fault.IsUnavailable(err) {
		return err
	}
	return w.spoolWebhook(reqCtx, path, body, c, err)
}

// deliver hands ev to the Sink and waits until the store would keep it.
func (w *Webhooks) deliver(ctx context.Context, ev event) error {
	if err := ev.store(ctx, w.sink); err != nil {
		return err
	}
	if w.opts.Durable != nil {
		if err := w.opts.Durable(ctx); err != nil {
			return fmt.Errorf("wait until the store keeps it: %w", err)
		}
	}
	return nil
}

// spoolWebhook writes a webhook to the spool; why is why the store did not
// take it. A spool that is full or cannot be written leaves the webhook
// unavailable (503), as without a spool.
func (w *Webhooks) spoolWebhook(ctx context.Context, path string, body []byte, c Common, why error) error {
	data, err := json.Marshal(spoolEntry{V: 1, Path: path, Form: string(body), Token: c.IdempotencyToken, Received: c.Received})
	if err != nil {
		return fmt.Errorf("spool webhook %s: %w", path, err)
	}
	if err := w.opts.Spool.Append(data); err != nil {
		// Answered 503 and logged by serve, with this error; a spool that
		// cannot be written at all is worse than a full one.
		if !errors.Is(err, spool.ErrFull) {
			w.sigLog.do("spool failure", w.opts.Now(), func(suppressed int) {
				w.log.LogAttrs(ctx, slog.LevelError, "twilio webhook: cannot write the spool",
					slog.String("spool", w.opts.Spool.Path()),
					slog.Int("suppressed", suppressed),
					slog.Any("error", err))
			})
		}
		return fault.Unavailable(fmt.Errorf("spool webhook %s: %w (the store: %w)", path, err, why))
	}
	w.m.spooled(path)
	w.sigLog.do("spooled", w.opts.Now(), func(suppressed int) {
		w.log.LogAttrs(ctx, slog.LevelWarn, "twilio webhook kept in the spool and answered as done: the store cannot take it, or webhooks before it wait there",
			slog.String("path", path),
			slog.String("spool", w.opts.Spool.Path()),
			slog.Int("suppressed", suppressed),
			slog.Any("error", why))
	})
	return nil
}

// Drain replays the spooled webhooks through the Sink, oldest first, until
// the spool is empty, the store is unavailable, or a webhook fails for
// another reason; it returns how many it replayed. A batch of webhooks is
// removed from the spool only after the Sink has stored each and Durable
// has succeeded. A webhook that fails replayAttempts times for another
// reason than an unavailable store is set aside in the spool, and logged
// with its form, so that it does not hold up the ones behind it. Without a
// spool Drain does nothing.
func (w *Webhooks) Drain(ctx context.Context) (int, error) {
	sp := w.opts.Spool
	if sp == nil {
		return 0, nil
	}
	w.drain.mu.Lock()
	defer w.drain.mu.Unlock()
	total := 0
	for {
		entries, err := sp.Oldest(drainBatch)
		if err != nil || len(entries) == 0 {
			return total, err
		}
		var done []uint64
		var failed error
		for _, e := range entries {
			if err := w.replay(ctx, e); err != nil {
				failed = err
				break
			}
			done = append(done, e.ID)
		}
		if len(done) > 0 {
			if err := w.settle(ctx, done); err != nil {
				return total, err
			}
			total += len(done)
		}
		if failed != nil {
			if err := w.replayFailed(ctx, entries[len(done)], failed); err != nil {
				return total, err
			}
		}
	}
}

// replay hands one spooled webhook to the Sink again, read as it was read
// when it came.
func (w *Webhooks) replay(ctx context.Context, e spool.Entry) error {
	ev, err := w.readEntry(e)
	if err != nil || ev.store == nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, w.opts.SinkTimeout)
	defer cancel()
	err = ev.store(ctx, w.sink)
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		err = fault.Unavailable(fmt.Errorf("replay a webhook in %s: %w", w.opts.SinkTimeout, err))
	}
	return err
}

// readEntry reads a spooled webhook into its event.
func (w *Webhooks) readEntry(e spool.Entry) (event, error) {
	var se spoolEntry
	if err := json.Unmarshal(e.Data, &se); err != nil {
		return event{}, fmt.Errorf("spooled webhook %d: %w: %w", e.ID, fault.ErrInvalid, err)
	}
	rt, ok := w.byPath[se.Path]
	if !ok {
		return event{}, fmt.Errorf("spooled webhook %d: %w: unknown path %q", e.ID, fault.ErrInvalid, se.Path)
	}
	form, err := url.ParseQuery(se.Form)
	if err != nil {
		return event{}, fmt.Errorf("spooled webhook %d to %s: %w: %w", e.ID, se.Path, fault.ErrInvalid, err)
	}
	ev, err := rt.read(form, w.common(form, se.Token, se.Received))
	if err != nil {
		return event{}, fmt.Errorf("spooled webhook %d to %s: %w", e.ID, se.Path, err)
	}
	return ev, nil
}

// settle waits until the store keeps what the replays stored, then removes
// those webhooks from the spool.
func (w *Webhooks) settle(ctx context.Context, ids []uint64) error {
	if w.opts.Durable != nil {
		dctx, cancel := context.WithTimeout(ctx, w.opts.SinkTimeout)
		err := w.opts.Durable(dctx)
		cancel()
		if err != nil {
			return fmt.Errorf("wait until the store keeps %d replayed webhooks: %w", len(ids), err)
		}
	}
	if err := w.opts.Spool.Remove(ids...); err != nil {
		return err
	}
	w.m.replayed(len(ids))
	for _, id := range ids {
		delete(w.drain.failures, id)
		delete(w.drain.lastErr, id)
	}
	return nil
}

// replayFailed decides what a failed replay means: an unavailable store is
// waited out; any other failure counts against the webhook, which is set
// aside at the replayAttempts-th.
func (w *Webhooks) replayFailed(ctx context.Context, e spool.Entry, err error) error {
	if fault.IsUnavailable(err) || ctx.Err() != nil {
		return err
	}
	if w.drain.failures == nil {
		w.drain.failures, w.drain.lastErr = map[uint64]int{}, map[uint64]string{}
	}
	w.drain.failures[e.ID]++
	if w.drain.failures[e.ID] < replayAttempts {
		return err
	}
	if serr := w.opts.Spool.SetAside(e.ID); serr != nil {
		return errors.Join(err, serr)
	}
	delete(w.drain.failures, e.ID)
	w.m.setAside()
	w.log.LogAttrs(ctx, slog.LevelError, "twilio webhook: a spooled webhook failed every replay; set aside in the spool",
		slog.Uint64("entry", e.ID),
		slog.String("spool", w.opts.Spool.Path()),
		slog.Int("attempts", replayAttempts),
		slog.String("webhook", string(e.Data)),
		slog.Any("error", err))
	return nil
}

// RunSpool replays spooled webhooks until ctx ends: at start, whenever one
// is spooled, and, while the store stays unavailable, again after a pause
// that grows from 250 ms to 15 s. It logs when the spool holds webhooks
// that wait for the store and when they are all stored. Without a spool it
// returns at once.
func (w *Webhooks) RunSpool(ctx context.Context) {
	sp := w.opts.Spool
	if sp == nil {
		return
	}
	if st := sp.Stats(); st.Pending > 0 || st.Aside > 0 {
		w.log.LogAttrs(ctx, slog.LevelInfo, "twilio spool holds webhooks from before",
			slog.String("spool", sp.Path()), slog.Int("pending", st.Pending), slog.Int("set_aside", st.Aside))
	}
	pause := time.Duration(0)
	waiting := false // logged that webhooks wait for the store
	replayed := 0
	for ctx.Err() == nil {
		n, err := w.Drain(ctx)
		replayed += n
		switch {
		case err == nil && sp.Stats().Pending == 0:
			if replayed > 0 {
				w.log.LogAttrs(ctx, slog.LevelInfo, "twilio spool drained: spooled webhooks stored",
					slog.String("spool", sp.Path()), slog.Int("replayed", replayed))
				replayed = 0
			}
			waiting, pause = false, 0
			select {
			case <-ctx.Done():
				return
			case <-sp.Appended():
			}
			continue
		case err == nil:
			pause = 0 // a webhook was set aside: go on with the next
			continue
		case ctx.Err() != nil:
			return
		}
		if !waiting {
			w.log.LogAttrs(ctx, slog.LevelWarn, "twilio spool: webhooks wait for the store",
				slog.String("spool", sp.Path()), slog.Int("pending", sp.Stats().Pending), slog.Any("error", err))
			waiting = true
		}
		pause = min(max(2*pause, drainPauseMin), drainPauseMax)
		select {
		case <-ctx.Done():
			return
		case <-time.After(pause):
		}
	}
}
