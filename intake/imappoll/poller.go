package imappoll

import (
	"context"
	crand "crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"frontdesk/config"
	"frontdesk/mailauth"
)

// Mail is one mail handed to a Handler.
type Mail struct {
	Mailbox     string // the mailbox's configured name
	UIDValidity uint32
	UID         uint32
	Size        int64  // RFC822.SIZE
	Raw         []byte // the whole message; nil when Oversized
	Header      []byte // the message's header, only when Oversized
	// Oversized: the mail is larger than the mailbox's max_message_size
	// and only its header was fetched.
	Oversized bool
	// Attempt is 1 on the first try. At MaxAttempts or more the handler
	// must store the mail as it is, with a warning, and not fail again.
	Attempt  int
	Received time.Time // INTERNALDATE
	// Prepared is what Options.Prepare made of the mail, or nil.
	Prepared any
}

// MaxAttempts is the Attempt from which a handler stores a mail as it is.
const MaxAttempts = 3

// Handler stores one mail idempotently: the same mail (Mailbox, Message-ID)
// handed over twice must be stored once. nil means stored, and the Poller
// then marks the mail; an error means not stored, and the mail comes again.
// An error for which fault.IsUnavailable is true is retried without
// counting towards MaxAttempts and stops the batch.
type Handler func(ctx context.Context, m Mail) error

// Options configures a Poller. A nil *Options is equivalent to a zero
// Options; zero fields take the defaults named.
type Options struct {
	Logger     *slog.Logger          // default: slog.Default()
	Registerer prometheus.Registerer // nil: metrics are not registered
	// Redis holds the state and the lease; required.
	Redis redis.UniversalClient
	// Prefix starts every key (redis.prefix). Default: frontdesk.
	Prefix string
	// Instance identifies this process in the lease; unique per process.
	// Default: host name, process id and a random suffix.
	Instance string
	// LeaseTTL is how long a lease lasts without renewal; renewed every
	// LeaseTTL/3. Default: 30s.
	LeaseTTL time.Duration
	// IdleRestart is the longest time in one IDLE command: then IDLE ends
	// and the server must answer, which proves the connection still works.
	// Default: 4m.
	IdleRestart time.Duration
	// DialTimeout bounds connecting. Default: 30s.
	DialTimeout time.Duration
	// CommandTimeout bounds each IMAP command: its whole answer must come
	// within it, and while it waits the server must not stay silent for
	// longer; else the connection is cut and made again (with backoff). It
	// is also the connection's TCP_USER_TIMEOUT on Linux. Default: 30s.
	CommandTimeout time.Duration
	// FetchRate is the slowest transfer, in bytes per second, that a FETCH
	// of mail bodies is allowed: it gets CommandTimeout plus the mails'
	// size at this rate (25 MB: 30s + 3m11s). Default: 128 KiB/s.
	FetchRate int64
	// OAuth2, when set, is the mailbox's OAuth2 sign-in (auth oauth2): the
	// poller authenticates with its access token (SASL XOAUTH2 or
	// OAUTHBEARER) instead of LOGIN with the password.
	OAuth2 *mailauth.Account
	// TLSConfig is used for tls and starttls; its ServerName defaults to
	// the mailbox's host. Default: the system's roots, TLS 1.2 or later.
	TLSConfig *tls.Config
	// BackoffMin and BackoffMax bound the wait between reconnects, doubled
	// after each failure. Defaults: 1s and 2m.
	BackoffMin, BackoffMax time.Duration
	// RetryDelay is the wait before mails whose handler failed, or which met
	// an unavailable store, are tried again. Default: 10s.
	RetryDelay time.Duration
	// BatchMessages caps the mails of one FETCH. Default: 200.
	BatchMessages int
	// BatchBytes caps the bytes of one batch, unless one mail alone is
	// larger. Default: 32MB.
	BatchBytes int64
	// Prepare, when set, does a mail's CPU work (parsing) before the handler
	// runs, for a whole batch at once, Workers mails at a time; its result
	// reaches the handler as Mail.Prepared.
	Prepare func(m Mail) any
	// Threading, when set, reads a prepared mail's own Message-ID and the
	// Message-IDs it answers. Mails of a batch that answer no other mail of
	// the batch are then handled Workers at a time; the others one by one in
	// UID order after them, so that a reply finds the mail it answers stored.
	// Without it, every handler runs alone, in UID order. The handler must be
	// safe for concurrent use when it is set.
	Threading func(prepared any) (messageID string, answers []string)
	// Durable, when set, waits after a batch's mails are stored until the
	// store would keep them through a crash of its host; only then are they
	// flagged \Seen or moved. One wait per batch, not per mail. An error
	// leaves the batch unmarked, to be fetched again (and deduplicated).
	Durable func(ctx context.Context) error
	// Workers is how many mails Prepare and the handler work on at once.
	// Default: 8 (the handler mostly waits for Redis).
	Workers int
	// Inventory, when set, turns on reconciliation (see the package
	// comment) for a mailbox whose ReconcileDays is more than 0: it tells
	// which mails the store holds already.
	Inventory Inventory
	// ReconcileInterval is the time between two reconciliation rounds of
	// the mailbox's lease holder; the first runs once it has the lease.
	// Default: 10m.
	ReconcileInterval time.Duration
	// ReconcileMax is the most mails one round looks at, per folder; the
	// next round goes on where it stopped. Default: 500.
	ReconcileMax int
}

func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Prefix == "" {
		o.Prefix = "frontdesk"
	}
	if o.Instance == "" {
		o.Instance = randomInstance()
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.LeaseTTL, 30*time.Second)
	def(&o.IdleRestart, 4*time.Minute)
	def(&o.DialTimeout, 30*time.Second)
	def(&o.CommandTimeout, 30*time.Second)
	def(&o.ReconcileInterval, 10*time.Minute)
	def(&o.BackoffMin, time.Second)
	def(&o.BackoffMax, 2*time.Minute)
	def(&o.RetryDelay, 10*time.Second)
	if o.BatchMessages <= 0 {
		o.BatchMessages = 200
	}
	if o.BatchBytes <= 0 {
		o.BatchBytes = 32 << 20
	}
	if o.Workers <= 0 {
		o.Workers = 8
	}
	if o.FetchRate <= 0 {
		o.FetchRate = 128 << 10
	}
	if o.ReconcileMax <= 0 {
		o.ReconcileMax = 500
	}
	return o
}

func randomInstance() string {
	host, _ := os.Hostname()
	b := make([]byte, 6)
	_, _ = crand.Read(b) // never fails (crypto/rand)
	return host + "-" + hex.EncodeToString(b)
}

// defaultMaxSize is max_message_size when the configuration leaves it 0.
const defaultMaxSize = 25 << 20

// Poller imports one mailbox's mail. Create it with New and start it with
// Run.
type Poller struct {
	mb   config.Mailbox
	h    Handler
	opts Options
	log  *slog.Logger
	rdb  redis.UniversalClient
	keys keys
	m    *metrics

	instance string

	// Import memory, used by the Run goroutine only.
	uidValidity uint32
	// doneAbove: UIDs above the saved last UID imported by this process,
	// skipped by later scans (a failing mail below them holds the state
	// back).
	doneAbove map[uint32]bool
	failures  map[uint32]int // failure counts of the current UIDVALIDITY
	// nextReconcile: when the next reconciliation round is due; zero
	// (due at once) whenever the lease is taken.
	nextReconcile time.Time

	// answers: the connection answers, as far as the poller knows. It is
	// false from a failed or cut connection until a connection proves
	// itself again (see answered); while it is false the lease is not
	// renewed.
	answers atomic.Bool

	// testHookBeforeMark, when set, runs after a batch's handlers and
	// before its mails are marked; an error aborts the connection there,
	// as a crash would.
	testHookBeforeMark func() error

	mu     sync.Mutex
	status Status
	// lastFailure is the error of the last failure logged (see transition).
	lastFailure string
	cur         *conn // the session's connection, to cut when the lease is lost
}

// Status is a snapshot of a Poller, for readiness checks and the UI.
type Status struct {
	Mailbox   string
	State     string    // waiting for lease, connecting, importing, idle, reconnecting, store unavailable, sign-in needed, stopped
	LeaseHeld bool      // this instance holds the mailbox
	Holder    string    // who holds the lease when not this instance, if known
	LastSync  time.Time // the end of the last complete sync
	LastError string    // the last error, if the state is a failure
}

// Poller states, as in Status.State.
const (
	stateWaitLease    = "waiting for lease"
	stateConnecting   = "connecting"
	stateImporting    = "importing"
	stateReconnecting = "reconnecting"
	stateStoreDown    = "store unavailable"
	// stateSignInNeeded: the mailbox's OAuth2 sign-in needs a manager
	// (never connected, or refused for good); the poller holds the
	// mailbox and waits for the connection.
	stateSignInNeeded = "sign-in needed"
	stateStopped      = "stopped"
)

// New returns a Poller for mb that hands mail to h. opts.Redis is
// required.
func New(mb config.Mailbox, h Handler, opts *Options) *Poller {
	var o Options
	if opts != nil {
		o = *opts
	}
	o = o.withDefaults()
	log := o.Logger.With(slog.String("mailbox", mb.Name))
	return &Poller{
		mb:        mb,
		h:         h,
		opts:      o,
		log:       log,
		rdb:       o.Redis,
		keys:      newKeys(o.Prefix, mb.Name),
		m:         newMetrics(o.Registerer, mb.Name),
		instance:  o.Instance,
		doneAbove: make(map[uint32]bool),
		status:    Status{Mailbox: mb.Name, State: stateStopped},
	}
}

// Status returns a snapshot of the Poller's state.
func (p *Poller) Status() Status {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.status
}

// transition records a new state and logs it once: repeated failures in the
// same state (reconnect attempts), the connecting of each retry, and a
// failure with the same error as the last one logged (a mailbox whose
// sign-in a manager must renew, a server that is down) are logged at debug
// level only, until the poller imports again.
func (p *Poller) transition(state string, err error) {
	p.mu.Lock()
	prev := p.status.State
	changed := prev != state
	msg := ""
	if err != nil {
		msg = err.Error()
	}
	retry := (state == stateConnecting && prev == stateReconnecting) || (err != nil && msg == p.lastFailure)
	switch {
	case state == stateImporting:
		p.lastFailure = ""
	case err != nil:
		p.lastFailure = msg
	}
	p.status.State = state
	p.status.LastError = ""
	if err != nil {
		p.status.LastError = err.Error()
	}
	if state == stateImporting {
		p.status.LastSync = time.Now()
	}
	holder := p.status.Holder
	p.mu.Unlock()
	attrs := []any{slog.String("state", state)}
	if err != nil {
		attrs = append(attrs, slog.Any("error", err))
	}
	switch {
	case !changed || retry:
		p.log.Debug("imap poller", attrs...)
	case err != nil:
		p.log.Warn("imap poller", attrs...)
	case state == stateWaitLease:
		p.log.Info("imap poller", append(attrs, slog.String("holder", holder))...)
	default:
		p.log.Info("imap poller", attrs...)
	}
}

func (p *Poller) setIdling(on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if on {
		p.status.State = "idle"
	} else if p.status.State == "idle" {
		p.status.State = stateImporting
	}
}

func (p *Poller) setLease(held bool, holder string) {
	p.mu.Lock()
	p.status.LeaseHeld, p.status.Holder = held, holder
	p.mu.Unlock()
	if held {
		p.m.lease.Set(1)
	} else {
		p.m.lease.Set(0)
	}
}

// maxSize is the mailbox's max_message_size.
func (p *Poller) maxSize() int64 {
	if p.mb.MaxMessageSize > 0 {
		return int64(p.mb.MaxMessageSize)
	}
	return defaultMaxSize
}

// Run imports the mailbox's mail until ctx is done: it waits for the
// mailbox's lease, connects, imports, waits for new mail in IDLE or polls,
// and reconnects with backoff when the connection fails. It returns nil when
// ctx is done, having released the lease.
func (p *Poller) Run(ctx context.Context) error {
	if p.rdb == nil {
		return errors.New("imappoll: Options.Redis is required")
	}
	defer p.transition(stateStopped, nil)
	for ctx.Err() == nil {
		sent := time.Now()
		ls, err := p.acquireLease(ctx)
		if ctx.Err() != nil {
			break
		}
		if err != nil {
			p.transition(stateStoreDown, err)
			sleep(ctx, p.opts.LeaseTTL/3)
			continue
		}
		if !ls.held {
			p.setLease(false, ls.holder)
			p.transition(stateWaitLease, nil)
			// Wake when the holder's lease runs out, and at least every
			// TTL/15 (2 s by default), so that a dead holder is replaced
			// within LeaseTTL and one that stopped cleanly, releasing the
			// lease, within seconds. One GET per wait is cheap for Redis.
			wait := min(ls.ttl+50*time.Millisecond, p.opts.LeaseTTL/15)
			sleep(ctx, max(wait, 50*time.Millisecond))
			continue
		}
		if cause := p.holding(ctx, sent); errors.Is(cause, errNotAnswering) {
			// Another instance may reach the server where this one does
			// not: it gets a whole lease's time to take the mailbox
			// before this one asks again.
			sleep(ctx, p.opts.LeaseTTL)
		}
	}
	return nil
}

// errNotAnswering: the lease ran out because the poller's connection did
// not answer (see answered), and the poller stopped working the mailbox.
var errNotAnswering = fmt.Errorf("%w: it ran out while the IMAP server did not answer", errLeaseLost)

// holding works on the mailbox while the lease, taken by a request sent at
// taken, is held, renewing it, and releases it when ctx is done or the lease
// is lost. It returns why it stopped: errLeaseLost (errNotAnswering among
// them) or ctx's cause.
func (p *Poller) holding(ctx context.Context, taken time.Time) error {
	p.setLease(true, "")
	p.answers.Store(true) // nothing has failed yet
	p.nextReconcile = time.Time{}
	lctx, cancel := context.WithCancelCause(ctx)
	// Without its lease the poller must stop at once, also in the middle
	// of a command: its connection is cut. (A shutdown, by contrast, lets
	// the session finish marking what it stored and log out.)
	stopCut := context.AfterFunc(lctx, func() {
		if errors.Is(context.Cause(lctx), errLeaseLost) {
			p.cutCurrent()
		}
	})
	defer stopCut()
	renewed := make(chan struct{})
	go func() {
		defer close(renewed)
		p.renew(lctx, cancel, taken)
	}()

	p.connectLoop(lctx)

	cause := context.Cause(lctx)
	cancel(nil)
	<-renewed
	rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer rcancel()
	if err := p.releaseLease(rctx); err != nil {
		p.log.Warn("imap poller: release lease", slog.Any("error", err))
	}
	p.setLease(false, "")
	if errors.Is(cause, errLeaseLost) {
		p.transition(stateWaitLease, cause)
	}
	return cause
}

// renew extends the lease every LeaseTTL/3 while the connection answers,
// and cancels ctx with errLeaseLost when another instance has it, when Redis
// has not answered for half the TTL (the lease may run out before it answers
// again), or, with errNotAnswering, when the lease ran out unrenewed because
// the connection did not answer. taken is when the request that took the
// lease was sent: the lease lasts at least LeaseTTL from then, by any clock.
func (p *Poller) renew(ctx context.Context, cancel context.CancelCauseFunc, taken time.Time) {
	every := p.opts.LeaseTTL / 3
	renewedAt, lastOK := taken, time.Now()
	t := time.NewTimer(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := time.Now()
		if !p.answers.Load() {
			left := renewedAt.Add(p.opts.LeaseTTL).Sub(now)
			if left <= 0 {
				p.setLease(false, "")
				cancel(errNotAnswering)
				return
			}
			// Look again at the end of the lease at the latest.
			t.Reset(min(every, left))
			continue
		}
		rctx, rcancel := context.WithTimeout(ctx, every)
		ls, err := p.acquireLease(rctx)
		rcancel()
		switch {
		case ctx.Err() != nil:
			return
		case err == nil && ls.held:
			renewedAt, lastOK = now, time.Now()
		case err == nil:
			p.setLease(false, ls.holder)
			cancel(errLeaseLost)
			return
		case time.Since(lastOK) > p.opts.LeaseTTL/2:
			cancel(errors.Join(errLeaseLost, err))
			return
		}
		t.Reset(every)
	}
}

// answered records that the connection proved it works: a sync or a batch
// completed, or IDLE ended as asked. Only then is the lease renewed again
// after a failure: logging in and searching alone do not count, since a
// server that stalls every FETCH answers them too.
func (p *Poller) answered() { p.answers.Store(true) }

// cutOff records that the connection failed or was cut for not answering.
func (p *Poller) cutOff(error) { p.answers.Store(false) }

// cutCurrent cuts the session's connection, if there is one.
func (p *Poller) cutCurrent() {
	p.mu.Lock()
	cn := p.cur
	p.mu.Unlock()
	if cn != nil {
		cn.w.stop()
	}
}

func (p *Poller) setConn(cn *conn) {
	p.mu.Lock()
	p.cur = cn
	p.mu.Unlock()
}

// connectLoop connects and imports until ctx is done, reconnecting with
// capped exponential backoff.
func (p *Poller) connectLoop(ctx context.Context) {
	backoff := p.opts.BackoffMin
	for ctx.Err() == nil {
		start := time.Now()
		err := p.session(ctx)
		if ctx.Err() != nil || errors.Is(err, errLeaseLost) {
			return
		}
		p.cutOff(err)
		p.m.reconnects.Inc()
		if time.Since(start) > 2*p.opts.BackoffMax {
			backoff = p.opts.BackoffMin // it worked for a while
		}
		p.transition(stateReconnecting, err)
		// Full jitter in [backoff/2, backoff].
		sleep(ctx, backoff/2+rand.N(backoff/2+1))
		backoff = min(2*backoff, p.opts.BackoffMax)
	}
}

// session is one connection: import, reconcile when due, wait for more,
// import again, until ctx is done or the connection fails.
func (p *Poller) session(ctx context.Context) error {
	p.transition(stateConnecting, nil)
	cn, err := p.dial(ctx)
	if err != nil {
		return err
	}
	p.setConn(cn)
	defer func() {
		p.setConn(nil)
		cn.close()
	}()
	if ctx.Err() != nil { // the lease was lost while dialing
		return ctx.Err()
	}
	p.transition(stateImporting, nil)
	for ctx.Err() == nil {
		select { // what happened before this sync is covered by it
		case <-cn.changed:
		default:
		}
		out, err := p.sync(ctx, cn)
		if err != nil {
			return err
		}
		p.answered()
		if p.reconciles() && !time.Now().Before(p.nextReconcile) {
			if err := p.reconcile(ctx, cn); err != nil {
				return err
			}
		}
		if ctx.Err() != nil {
			break
		}
		wait := 24 * time.Hour // IDLE: until new mail (restarted every IdleRestart)
		if !p.idles(cn) {
			wait = p.pollInterval()
		}
		if out.retry {
			wait = min(wait, p.opts.RetryDelay)
		}
		if p.reconciles() {
			wait = min(wait, max(time.Until(p.nextReconcile), 0))
		}
		if err := p.wait(ctx, cn, wait); err != nil {
			return err
		}
	}
	// Log out politely; the connection is closed in any case.
	_ = cn.runFor("LOGOUT", 2*time.Second, func() error { return cn.c.Logout().Wait() })
	return nil
}

func (p *Poller) pollInterval() time.Duration {
	if p.mb.PollInterval > 0 {
		return p.mb.PollInterval
	}
	return 60 * time.Second
}

// sleep waits for d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// idles reports whether the poller waits in IDLE on cn rather than polling.
func (p *Poller) idles(cn *conn) bool {
	return p.mb.Idle && cn.caps.Has(imap.CapIdle) // IMAP4rev2 implies IDLE
}
