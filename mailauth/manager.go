package mailauth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"frontdesk/config"
	"frontdesk/internal/promreg"
	"frontdesk/internal/secrets"
)

// Incident is an account's sign-in failing for good, for the managers'
// notice.
type Incident struct {
	Account *Account
	// Number counts the account's incidents: the notice is sent once per
	// number.
	Number int64
	Reason string
	At     time.Time
}

// Options configure a Manager.
type Options struct {
	// Redis keeps the connections; required.
	Redis redis.UniversalClient
	// Prefix starts every key (redis.prefix).
	Prefix string
	// Keys seals the tokens (secrets.key); required when an account exists.
	Keys *secrets.Keyring
	// Now is Redis's clock (package redisclock); default time.Now.
	Now func() time.Time
	// Instance names this process in the refresh lock.
	Instance string
	// PublicURL is http.public_url: the provider sends the manager back
	// to PublicURL/oauth2/callback. Without it accounts cannot be
	// connected in the web UI.
	PublicURL string
	// HTTPClient makes the token requests; default: one with a 30 s
	// timeout.
	HTTPClient *http.Client
	Logger     *slog.Logger
	Registerer prometheus.Registerer
	// Notify, when set, tells the managers about an incident (a mail
	// through the outbox). It is called once per incident, idempotent by
	// the incident's account and number (another instance may call it for
	// the same one after a crash).
	Notify func(ctx context.Context, in Incident) error
}

// Manager holds the accounts of a configuration that sign in with OAuth2.
type Manager struct {
	opts     Options
	log      *slog.Logger
	accounts []*Account
	byID     map[string]*Account

	failedGauge *prometheus.GaugeVec
	smtpFailed  prometheus.Gauge

	mu       sync.Mutex
	problems []string
	started  bool // the start-up work is done
}

// New returns the Manager of the mailboxes and smtp of cfg that sign in
// with OAuth2 (none: a Manager without accounts). It does not touch Redis.
func New(cfg *config.Config, opts Options) (*Manager, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	m := &Manager{opts: opts, log: opts.Logger, byID: map[string]*Account{}}
	mailboxFailures := promreg.Register(opts.Registerer, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "frontdesk_mailbox_auth_failures_total",
		Help: "OAuth2 sign-ins to a mailbox that failed: the provider refused the refresh token for good (once per incident), or the mail server refused an access token.",
	}, []string{"mailbox"}))
	smtpFailures := promreg.Register(opts.Registerer, prometheus.NewCounter(prometheus.CounterOpts{
		Name: "frontdesk_smtp_auth_failures_total",
		Help: "OAuth2 sign-ins to the SMTP server that failed: the provider refused the refresh token for good (once per incident), or the server refused an access token.",
	}))
	m.failedGauge = promreg.Register(opts.Registerer, prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "frontdesk_mailbox_auth_failed",
		Help: "1 while a mailbox's OAuth2 sign-in is refused for good or was never connected: a manager must connect it on the settings page.",
	}, []string{"mailbox"}))
	m.smtpFailed = promreg.Register(opts.Registerer, prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "frontdesk_smtp_auth_failed",
		Help: "1 while the SMTP server's OAuth2 sign-in is refused for good or was never connected.",
	}))
	refreshes := promreg.Register(opts.Registerer, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "frontdesk_oauth2_refreshes_total",
		Help: "OAuth2 access tokens this instance refreshed, by account (mailbox:NAME or smtp).",
	}, []string{"account"}))
	add := func(a *Account) error {
		if opts.Keys == nil {
			return errors.New("secrets.key: required when a mailbox or smtp uses auth: oauth2")
		}
		a.oc = oauthConfig(a.cfg, opts.PublicURL+CallbackPath)
		a.key = opts.Prefix + ":oauth2:{" + a.ID + "}"
		a.rdb, a.keys, a.now, a.log, a.http, a.instance, a.mgr = opts.Redis, opts.Keys, opts.Now, opts.Logger, opts.HTTPClient, opts.Instance, m
		a.refreshes = refreshes.WithLabelValues(a.ID)
		m.accounts = append(m.accounts, a)
		m.byID[a.ID] = a
		return nil
	}
	for _, mb := range cfg.Mailboxes {
		if mb.Auth != config.AuthOAuth2 {
			continue
		}
		a := &Account{ID: "mailbox:" + mb.Name, Mailbox: mb.Name, Label: "mailbox " + mb.Name, Username: mb.Username, cfg: mb.OAuth2,
			failures: mailboxFailures.WithLabelValues(mb.Name)}
		if err := add(a); err != nil {
			return nil, err
		}
	}
	if cfg.SMTP.Host != "" && cfg.SMTP.Auth == config.AuthOAuth2 {
		if err := add(&Account{ID: "smtp", Label: "smtp", Username: cfg.SMTP.Username, cfg: cfg.SMTP.OAuth2, failures: smtpFailures}); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// CallbackPath is where the provider sends the manager back, under
// http.public_url.
const CallbackPath = "/oauth2/callback"

// Accounts are the accounts, mailboxes first in configuration order, then
// smtp.
func (m *Manager) Accounts() []*Account { return m.accounts }

// Mailbox returns the account of the named mailbox, nil when it does not
// sign in with OAuth2.
func (m *Manager) Mailbox(name string) *Account {
	if m == nil {
		return nil
	}
	return m.byID["mailbox:"+name]
}

// SMTP returns the outgoing server's account, nil when it does not sign in
// with OAuth2.
func (m *Manager) SMTP() *Account {
	if m == nil {
		return nil
	}
	return m.byID["smtp"]
}

// Start does what each instance does once: it copies refresh tokens from
// the configuration to Redis when they are new there, and seals what a
// previous key sealed again with secrets.key. It fails, naming secrets.key,
// when a token in Redis was sealed with a key this instance does not have:
// then it would refuse to read every token. When Redis is unavailable it
// returns nil, and Watch does the work once Redis answers.
func (m *Manager) Start(ctx context.Context) error {
	err := m.startup(ctx)
	var keyErr *keyError
	if errors.As(err, &keyErr) {
		return err
	}
	if err != nil {
		m.log.Warn("oauth2: start-up work postponed until Redis answers", slog.Any("error", err))
	}
	return nil
}

// keyError: a token was sealed with a key neither secrets.key nor a
// previous key is.
type keyError struct {
	account string
	err     error
}

func (e *keyError) Error() string {
	return fmt.Sprintf("secrets.key: the OAuth2 tokens of %s in Redis were sealed with another key (%v); set secrets.key to that key, or list it under secrets.previous_keys", e.account, e.err)
}

func (m *Manager) startup(ctx context.Context) error {
	for _, a := range m.accounts {
		if t := a.cfg.RefreshToken; t != "" {
			now := a.now().UnixMilli()
			res, err := connectScript.Run(ctx, a.rdb, []string{a.key}, "config", a.seal("refresh", t), "", 0, 0, "", now, seedOf(t)).Int64Slice()
			if err != nil {
				return fmt.Errorf("store the configuration's refresh token of %s: %w", a.Label, err)
			}
			if len(res) == 2 && res[0] > 0 {
				a.log.Info("oauth2 refresh token from the configuration stored", slog.String("account", a.ID), slog.Bool("ended_a_failure", res[1] == 1))
			}
		}
		r, err := a.load(ctx)
		if err != nil {
			return err
		}
		if err := a.reseal(ctx, r); errors.Is(err, secrets.ErrUnknownKey) {
			return &keyError{account: a.Label, err: err}
		} else if err != nil {
			a.log.Error("oauth2: a token kept in Redis does not decrypt; reconnect the account", slog.String("account", a.ID), slog.Any("error", err))
		}
	}
	m.mu.Lock()
	m.started = true
	m.mu.Unlock()
	return nil
}

// Watch reads every account's state every few seconds until ctx ends: for
// the gauges, for /readyz (Problems), and to send a notice that an instance
// which started an incident did not get to send.
func (m *Manager) Watch(ctx context.Context, every time.Duration) {
	if len(m.accounts) == 0 {
		return
	}
	for {
		m.mu.Lock()
		started := m.started
		m.mu.Unlock()
		if !started {
			if err := m.startup(ctx); err != nil {
				var keyErr *keyError
				if errors.As(err, &keyErr) {
					m.log.Error("oauth2", slog.Any("error", err))
				}
			}
		}
		m.Look(ctx)
		select {
		case <-ctx.Done():
			return
		case <-time.After(every):
		}
	}
}

// Look reads every account's state once (Watch does, every few seconds).
func (m *Manager) Look(ctx context.Context) {
	var problems []string
	for _, a := range m.accounts {
		r, err := a.load(ctx)
		if err != nil {
			continue // Redis's own readiness says so
		}
		bad := r.failed != "" || !r.connected()
		v := 0.0
		if bad {
			v = 1
		}
		if a.Mailbox != "" {
			m.failedGauge.WithLabelValues(a.Mailbox).Set(v)
		} else {
			m.smtpFailed.Set(v)
		}
		st := a.status(r)
		if bad {
			problems = append(problems, st.Problem())
		}
		if r.failed != "" && r.notified < r.incident {
			m.notify(ctx, a)
		}
	}
	m.mu.Lock()
	m.problems = problems
	m.mu.Unlock()
}

// Problems says, one line each, which accounts need a manager, as of the
// last look: for /readyz's answer.
func (m *Manager) Problems() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.problems...)
}

// notify has the managers told about a's incident, once: the incident's
// number is recorded as notified once the notice is queued. The outgoing
// server's incidents are not mailed (the mail could not go out).
func (m *Manager) notify(ctx context.Context, a *Account) {
	r, err := a.load(ctx)
	if err != nil || r.failed == "" || r.notified >= r.incident {
		return
	}
	if m.opts.Notify != nil && a.Mailbox != "" {
		in := Incident{Account: a, Number: r.incident, Reason: r.failed, At: r.failedAt}
		if err := m.opts.Notify(ctx, in); err != nil {
			m.log.Warn("oauth2: tell the managers; trying again", slog.String("account", a.ID), slog.Any("error", err))
			return
		}
	}
	if err := a.rdb.HSet(ctx, a.key, "notified", r.incident).Err(); err != nil {
		m.log.Warn("oauth2: record the managers' notice", slog.String("account", a.ID), slog.Any("error", err))
	}
}
