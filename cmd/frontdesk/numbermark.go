package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"frontdesk/config"
	"frontdesk/fault"
	"frontdesk/ticket"
	"frontdesk/ticket/redisstore"
)

// numberGap is how far above the highest number an instance noted start-up
// raises a counter found behind it: the numbers other instances, or this
// one since its last note (markEvery), may have handed out.
const numberGap = 10000

// markEvery is how often an instance notes the ticket counter.
const markEvery = 2 * time.Second

// numberMark is the file in tickets.number_mark_dir (or its default) where
// an instance notes the ticket counter of the deployment whose Redis it
// uses: one line, "DEPLOYMENT NUMBER". A note of another deployment (the
// directory shared, a fresh Redis) counts for nothing.
type numberMark struct {
	path       string
	deployment string
}

func newNumberMark(cfg *config.Config, deployment, instance string) *numberMark {
	dir := cfg.Tickets.NumberMarkDir
	if dir == "" {
		dir = filepath.Dir(config.DefaultSpoolDir())
	}
	name := "ticket-number"
	if instance != "" {
		name += "-" + fileSafe(instance)
	}
	return &numberMark{path: filepath.Join(dir, name), deployment: deployment}
}

// read returns the number noted for the deployment, 0 when none is.
func (m *numberMark) read() (int64, error) {
	b, err := os.ReadFile(m.path)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("tickets.number_mark_dir: %w", err)
	}
	dep, num, ok := strings.Cut(strings.TrimSpace(string(b)), " ")
	if !ok || dep != m.deployment {
		return 0, nil
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("tickets.number_mark_dir: %s: not a ticket number: %w", m.path, err)
	}
	return n, nil
}

// write notes n, durably (write, fsync, rename).
func (m *numberMark) write(n int64) error {
	if err := os.MkdirAll(filepath.Dir(m.path), 0o700); err != nil {
		return fmt.Errorf("tickets.number_mark_dir: %w", err)
	}
	tmp := m.path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("tickets.number_mark_dir: %w", err)
	}
	_, err = fmt.Fprintf(f, "%s %d\n", m.deployment, n)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, m.path)
	}
	if err != nil {
		return fmt.Errorf("tickets.number_mark_dir: %w", err)
	}
	return nil
}

// beforeIntake runs the start-up checks (startChecks) before anything is
// stored: a newer key schema is an error at once. When Redis does not answer
// within 2 s they go on in the background, and the function returned says,
// once wg is done, whether they stopped the run (cancelling it).
func (a *app) beforeIntake(ctx context.Context, wg *sync.WaitGroup, cancel func()) (func() error, error) {
	var late error
	// No ticket is made before the counter's guard has run: a Redis
	// restored from a backup that answers only later must not hand out a
	// number a customer already has. Intake meanwhile hears "unavailable"
	// and retries, as it does while Redis is down.
	a.gate.closed.Store(true)
	checked, err := a.startChecks(ctx, 2*time.Second)
	switch {
	case errors.Is(err, redisstore.ErrSchemaNewer):
		return nil, err
	case !checked:
		wg.Go(func() {
			if late = a.checkSchema(ctx); late != nil {
				cancel()
				return
			}
			a.gate.closed.Store(false)
		})
	case err != nil:
		a.logger.Error("start-up checks", slog.Any("error", err))
	}
	if checked {
		a.gate.closed.Store(false)
	}
	wg.Go(func() { a.noteNumbers(ctx) })
	return func() error { return late }, nil
}

// startChecks runs what must happen before intake stores anything: the key
// schema check (a newer one stops start-up) and the ticket counter's guard
// against a restored Redis (guardNumbers). It waits for Redis up to wait;
// when Redis has not answered by then, done is false and the caller runs it
// again in the background.
func (a *app) startChecks(ctx context.Context, wait time.Duration) (done bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	for {
		_, err := a.store.CheckSchema(ctx)
		if err == nil {
			err = a.guardNumbers(ctx)
		}
		switch {
		case err == nil:
			return true, nil
		case errors.Is(err, redisstore.ErrSchemaNewer):
			return true, err
		case !fault.IsUnavailable(err) && ctx.Err() == nil:
			return true, err
		}
		select {
		case <-ctx.Done():
			return false, nil
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// guardNumbers raises the ticket counter above the number this instance
// last noted when Redis is behind it: restored from a backup, or rolled
// back by a failover, it would hand out numbers customers already have,
// and mail answering them would thread onto strangers' tickets.
func (a *app) guardNumbers(ctx context.Context) error {
	if a.noNumberMark {
		return nil
	}
	deployment, err := a.store.Deployment(ctx)
	if err != nil {
		return err
	}
	m := newNumberMark(a.cfg, deployment, a.instance)
	a.numberMark.Store(m)
	mark, err := m.read()
	if err != nil {
		return err
	}
	cur, err := a.store.TicketNumber(ctx)
	if err != nil || mark == 0 || cur >= mark {
		return err
	}
	floor := mark + numberGap
	if _, err := a.store.RaiseTicketNumber(ctx, floor); err != nil {
		return err
	}
	a.logger.Warn("the ticket counter in Redis was behind numbers already handed out (Redis restored from a backup?): raised so that none is handed out again",
		slog.Int64("was", cur), slog.Int64("noted", mark), slog.Int64("next_above", floor), slog.String("mark", m.path))
	return m.write(floor)
}

// noteNumbers notes the ticket counter in the mark file every markEvery
// while it moves, until ctx ends.
func (a *app) noteNumbers(ctx context.Context) {
	logger := a.logger.With(slog.String("component", "number_mark"))
	t := time.NewTicker(markEvery)
	defer t.Stop()
	var last int64 = -1
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		m := a.numberMark.Load()
		if m == nil {
			continue // the start-up checks have not run yet
		}
		if last < 0 {
			last, _ = m.read()
		}
		n, err := a.store.TicketNumber(ctx)
		if err != nil || n <= last {
			continue
		}
		if err := m.write(n); err != nil {
			logger.Error("note the ticket counter", slog.Any("error", err))
			continue
		}
		last = n
	}
}

// numberGate is the store as the desk sees it: ticket creation waits for
// the start-up guard of the ticket counter (beforeIntake); every other
// method is the store's own.
type numberGate struct {
	*redisstore.Store
	closed atomic.Bool
}

// errNumbersUnchecked is what a ticket's creation hears before the guard ran.
var errNumbersUnchecked = fault.Unavailable(errors.New("new tickets wait for the start-up check of the ticket counter"))

// Create makes a ticket once the gate is open; before, it is unavailable
// (intake retries; webhooks are spooled).
func (g *numberGate) Create(ctx context.Context, nt ticket.NewTicket) (ticket.Receipt, error) {
	if g.closed.Load() {
		return ticket.Receipt{}, errNumbersUnchecked
	}
	return g.Store.Create(ctx, nt)
}
