package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/redis/go-redis/v9"

	"frontdesk/accounts"
	"frontdesk/config"
	"frontdesk/desk"
	"frontdesk/fault"
	"frontdesk/intake/email"
	"frontdesk/intake/imappoll"
	"frontdesk/intake/phone"
	"frontdesk/intake/phonereconcile"
	"frontdesk/intake/phonetickets"
	"frontdesk/internal/redisclock"
	"frontdesk/jobs"
	"frontdesk/mailauth"
	"frontdesk/responders"
	"frontdesk/responders/fax"
	outmail "frontdesk/responders/mail"
	"frontdesk/responders/sms"
	"frontdesk/routing/assign"
	"frontdesk/routing/rulestore"
	"frontdesk/spool"
	"frontdesk/ticket/redisstore"
	"frontdesk/web"
)

// app is frontdesk running: the ticket store on Redis, the HTTP server and the
// background loops, wired from one configuration. serve and demo both run one.
type app struct {
	// smsStatus receives Twilio's status callbacks of sent texts (nil
	// without Twilio or http.public_url).
	smsStatus *sms.Status

	cfg    *config.Config
	logger *slog.Logger
	rdb    redis.UniversalClient
	store  *redisstore.Store
	// gate is the store as the desk gets it: ticket creation held until
	// the start-up checks ran (numbermark.go).
	gate *numberGate
	// desk is what happens to tickets: intake, the API and the UI, and the
	// responders all go through it.
	desk     *desk.Desk
	rules    *desk.Rules
	users    *accounts.Store
	registry *prometheus.Registry

	redisUp       prometheus.Gauge
	redisMemory   prometheus.Gauge
	leasesExpired prometheus.Counter
	woken         prometheus.Counter
	slaBreaches   prometheus.Counter

	// imapTLS, when set, is the TLS configuration of the IMAP pollers (tests
	// and the demo); nil means the system's roots.
	imapTLS *tls.Config
	// dkim signs outgoing mail when smtp.dkim is configured.
	dkim *outmail.DKIM
	// clock is Redis's time, read through this instance's clock: leases,
	// run-at times and due times agree across instances.
	clock *redisclock.Clock
	// instance names this process in leases: $FRONTDESK_INSTANCE, else a
	// random name per start (see README, "Running several instances").
	instance string
	// metricsLn is http.metrics_listen's listener, nil when /metrics is
	// served on http.listen.
	metricsLn net.Listener
	// spool keeps the Twilio webhooks Redis could not take (nil without
	// Twilio).
	spool *spool.Spool
	// mailAuth signs mailboxes and smtp in with OAuth2 (nil when none
	// does).
	mailAuth *mailauth.Manager
	// numberMark is where this instance notes the ticket counter, once the
	// start-up checks found the deployment (numbermark.go).
	numberMark atomic.Pointer[numberMark]
	// noNumberMark turns the number mark off (the demo keeps nothing).
	noNumberMark bool
}

// openApp connects what a configuration names — its logger, Redis, HTTP
// listener and, with Twilio, this instance's spool of webhooks — and returns
// the app with them, and a close function. An error names the config key at
// fault.
func openApp(cfg *config.Config, logw io.Writer) (*app, net.Listener, func(), error) {
	logger := newLogger(cfg.Log, logw)
	redis.SetLogger(redisLogger{logger})
	rdb, err := newRedisClient(cfg.Redis)
	if err != nil {
		return nil, nil, nil, err
	}
	var dkim *outmail.DKIM
	if d := cfg.SMTP.DKIM; d.KeyFile != "" {
		pem, err := os.ReadFile(d.KeyFile)
		if err != nil {
			_ = rdb.Close()
			return nil, nil, nil, fmt.Errorf("smtp.dkim.key_file: %w", err)
		}
		key, err := outmail.LoadDKIMKey(pem)
		if err != nil {
			_ = rdb.Close()
			return nil, nil, nil, fmt.Errorf("smtp.dkim.key_file %s: %w", d.KeyFile, err)
		}
		dkim = &outmail.DKIM{Domain: d.Domain, Selector: d.Selector, Key: key}
	}
	ln, err := net.Listen("tcp", cfg.HTTP.Listen)
	if err != nil {
		_ = rdb.Close()
		return nil, nil, nil, fmt.Errorf("http.listen: %w", err)
	}
	var metricsLn net.Listener
	if cfg.HTTP.MetricsListen != "" {
		if metricsLn, err = net.Listen("tcp", cfg.HTTP.MetricsListen); err != nil {
			_ = ln.Close()
			_ = rdb.Close()
			return nil, nil, nil, fmt.Errorf("http.metrics_listen: %w", err)
		}
	}
	a := newApp(cfg, logger, rdb)
	a.dkim = dkim
	a.metricsLn = metricsLn
	if err := a.openMailAuth(); err != nil {
		_ = ln.Close()
		if metricsLn != nil {
			_ = metricsLn.Close()
		}
		_ = rdb.Close()
		return nil, nil, nil, err
	}
	if twilioOn(cfg.Twilio) {
		if a.spool, err = openSpool(cfg.Twilio, a.instance); err != nil {
			_ = ln.Close()
			if metricsLn != nil {
				_ = metricsLn.Close()
			}
			_ = rdb.Close()
			return nil, nil, nil, err
		}
		logger.Info("twilio webhook spool", slog.String("path", a.spool.Path()), slog.Int("pending", a.spool.Stats().Pending))
	}
	return a, ln, func() {
		if metricsLn != nil {
			_ = metricsLn.Close() // already closed once served
		}
		if a.spool != nil {
			if err := a.spool.Close(); err != nil {
				logger.Error("close the twilio spool", slog.Any("error", err))
			}
		}
		_ = rdb.Close()
	}, nil
}

// twilioOn reports whether Twilio is configured, which turns phone intake
// on.
func twilioOn(t config.Twilio) bool { return t.AccountSID != "" || len(t.Numbers) > 0 }

// openSpool opens this instance's spool of Twilio webhooks: twilio.spool.db
// in twilio.spool_dir (config.DefaultSpoolDir when empty), or
// twilio-INSTANCE.spool.db when $FRONTDESK_INSTANCE names the instance, so
// that instances on one host with the default directory each have their
// own. A spool another process holds stops start-up.
func openSpool(t config.Twilio, instance string) (*spool.Spool, error) {
	dir := t.SpoolDir
	if dir == "" {
		dir = config.DefaultSpoolDir()
	}
	name := "twilio.spool.db"
	if instance != "" {
		name = "twilio-" + fileSafe(instance) + ".spool.db"
	}
	sp, err := spool.Open(filepath.Join(dir, name), &spool.Options{MaxSize: int64(t.SpoolMaxSize)})
	if err != nil {
		return nil, fmt.Errorf("twilio.spool_dir: %w", err)
	}
	return sp, nil
}

// fileSafe makes s usable in a file name: letters, digits, '.', '_' and '-'
// stay, anything else becomes '_'.
func fileSafe(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
			return r
		}
		return '_'
	}, s)
}

func newApp(cfg *config.Config, logger *slog.Logger, rdb redis.UniversalClient) *app {
	a := &app{cfg: cfg, logger: logger, rdb: rdb, registry: prometheus.NewRegistry(), instance: os.Getenv("FRONTDESK_INSTANCE")}
	a.clock = redisclock.New(rdb, instanceClock(logger), logger.With(slog.String("component", "clock")))
	a.store = redisstore.New(rdb, &redisstore.Options{
		Prefix:            cfg.Redis.Prefix,
		AttachmentMaxSize: int64(cfg.Tickets.AttachmentMaxSize),
		MinReplicas:       cfg.Redis.MinReplicas,
		Logger:            logger.With(slog.String("component", "store")),
		Now:               a.clock.Now,
	})
	a.users = accounts.New(rdb, cfg.Redis.Prefix)
	assigner := assign.New(rdb, cfg.Redis.Prefix, teamMembers{users: a.users, store: a.store})
	a.gate = &numberGate{Store: a.store}
	a.desk = desk.New(a.gate, cfg, &desk.Options{
		Assigner: assigner, Redis: rdb, Logger: logger.With(slog.String("component", "desk")), Registerer: a.registry,
		Now: a.clock.Now,
	})
	a.desk.SetPeople(deskPeople{a.users})
	a.rules = desk.NewRules(rulestore.New(rdb, cfg.Redis.Prefix), a.desk)
	a.registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	buildInfo := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "frontdesk_build_info", Help: "Always 1; the version label tells the running build.",
		ConstLabels: prometheus.Labels{"version": version},
	})
	buildInfo.Set(1)
	a.redisUp = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "frontdesk_redis_up", Help: "1 when the last check could write where frontdesk writes, else 0 (down, or full).",
	})
	a.redisMemory = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "frontdesk_redis_memory_used_ratio", Help: "Redis's used_memory over its maxmemory (the fullest master's); 0 without maxmemory. At 1 it refuses writes.",
	})
	a.leasesExpired = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "frontdesk_leases_expired_total", Help: "Claimed tickets returned to their queue because the lease ran out.",
	})
	a.woken = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "frontdesk_tickets_woken_total", Help: "Snoozed tickets (and call-backs) whose time came: put at the head of their queue.",
	})
	a.slaBreaches = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "frontdesk_sla_breaches_total", Help: "Tickets whose first response became overdue (marked, priority raised one step).",
	})
	a.registry.MustRegister(buildInfo, a.redisUp, a.redisMemory, a.leasesExpired, a.woken, a.slaBreaches)
	return a
}

// run serves HTTP on ln and runs the background loops until ctx ends, then
// stops them all, letting requests in flight finish.
func (a *app) run(ctx context.Context, ln net.Listener) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	schemaErr, checkErr := a.beforeIntake(ctx, &wg, cancel) // numbermark.go: the key schema, the ticket counter
	if checkErr != nil {
		return checkErr
	}
	wg.Go(func() { a.clock.Run(ctx) })
	if err := a.startLMTP(ctx, &wg); err != nil {
		cancel()
		wg.Wait()
		return err
	}
	mountPhone := a.startPhone(ctx, &wg)
	faxes := a.faxService()
	var mountFax func(*http.ServeMux)
	if faxes != nil {
		mountFax = faxes.Register
	}
	var mountSMSStatus func(*http.ServeMux)
	if a.cfg.Twilio.AccountSID != "" && a.cfg.HTTP.PublicURL != "" {
		a.smsStatus = sms.NewStatus(a.desk, a.cfg.Twilio.AuthToken, a.cfg.HTTP.PublicURL, a.logger.With(slog.String("component", "twilio")))
		mountSMSStatus = a.smsStatus.Register
	}
	webOpts := web.Options{
		Logger:          a.logger.With(slog.String("component", "http")),
		Ready:           a.store.Check,
		Gatherer:        a.registry,
		Registerer:      a.registry,
		Mount:           mountAll(mountPhone, mountFax, mountSMSStatus),
		Desk:            a.desk,
		Accounts:        webAccounts{a.users},
		Rules:           a.rules,
		Sessions:        webAccounts{a.users},
		Users:           webAccounts{a.users},
		SecureCookies:   strings.HasPrefix(a.cfg.HTTP.PublicURL, "https://"),
		HSTS:            strings.HasPrefix(a.cfg.HTTP.PublicURL, "https://"),
		Settings:        deskSettings(a.cfg),
		Webhooks:        a.webhookPages(),
		Downloads:       a.deadDownloads(),
		Limits:          web.Limits{MaxConnections: a.cfg.HTTP.MaxConnections},
		MetricsToken:    a.cfg.HTTP.MetricsToken,
		SeparateMetrics: a.metricsLn != nil,
		TrustedProxies:  a.cfg.HTTP.TrustedProxyPrefixes(),
	}
	if a.mailAuth != nil {
		webOpts.MailAuth, webOpts.Warnings = a.mailAuth, a.mailAuth.Problems
		wg.Go(func() { a.mailAuth.Watch(ctx, 5*time.Second) })
		if acct := a.mailAuth.SMTP(); acct != nil {
			// No lease decides who sends mail: every instance keeps the
			// token fresh, and the refresh lock lets one refresh.
			wg.Go(func() { acct.Keep(ctx, nil) })
		}
	}
	srv := web.New(webOpts)
	wg.Go(func() { a.desk.RunReports(ctx) }) // the reports' time zone; the morning summary
	wg.Go(func() {
		logger := a.logger.With(slog.String("component", "redis"))
		var durability sync.Once
		watchRedis(ctx, logger, a.store.Check, func(err error) {
			if err != nil {
				a.redisUp.Set(0)
				return
			}
			a.redisUp.Set(1)
			if used, err := a.store.MemoryUsed(ctx); err == nil {
				a.redisMemory.Set(used)
			}
			durability.Do(func() { _, _, _ = a.store.Durability(ctx) }) // logs what keeps writes
		})
	})
	wg.Go(func() { a.expireLeases(ctx, 5*time.Second) })
	wg.Go(func() { a.indexMissing(ctx) }) // search_backfill.go
	wg.Go(func() { a.followRules(ctx) })
	wg.Go(func() { a.runWebhooks(ctx) })
	wg.Go(func() { a.sweepRetention(ctx, retentionEvery) })
	if a.cfg.SMTP.Host != "" || a.cfg.Twilio.AccountSID != "" || a.cfg.Fax.Outbound.On() {
		wg.Go(func() { a.deliver(ctx, faxes) })
	}
	a.startPollers(ctx, &wg)
	var metricsErr error
	if a.metricsLn != nil {
		wg.Go(func() {
			if err := srv.ServeMetrics(ctx, a.metricsLn); err != nil {
				metricsErr = fmt.Errorf("serve metrics on %s: %w", a.metricsLn.Addr(), err)
				cancel() // stop the rest too: run's caller decides what next
			}
		})
	}

	a.logger.Info("frontdesk is serving", slog.String("version", version), slog.String("http", "http://"+ln.Addr().String()))
	err := srv.Serve(ctx, ln)
	cancel()
	wg.Wait()
	if err := schemaErr(); err != nil {
		return err
	}
	if err != nil {
		return fmt.Errorf("serve http on %s: %w", ln.Addr(), err)
	}
	if metricsErr != nil {
		return metricsErr
	}
	a.logger.Info("frontdesk stopped")
	return nil
}

// deliver runs the responders: four workers sending the outbox's mail,
// texts and faxes (through faxes, a Faxes API, or the mail-to-fax
// gateway), until ctx ends; then the SMTP connection is closed.
func (a *app) deliver(ctx context.Context, faxes *fax.Service) {
	logger := a.logger.With(slog.String("component", "responder"))
	r := responders.New(a.desk, logger, a.registry)
	r.DKIM = a.dkim
	if a.cfg.SMTP.Host != "" {
		sender := outmail.NewSender(a.cfg.SMTP, &outmail.SenderOptions{Logger: logger, OAuth2: a.mailAuth.SMTP()})
		defer sender.Close()
		r.Mail, r.SMTPHost = sender, a.cfg.SMTP.Host
		r.Notify = a.cfg.SMTP.Notify()
	}
	if a.cfg.Twilio.AccountSID != "" {
		r.SMS = sms.New(a.cfg.Twilio)
		if a.smsStatus != nil {
			r.SMSStatus = a.smsStatus.CallbackURL
		}
	}
	r.Fax, r.FaxGateway = faxes, a.cfg.Fax.Outbound.EmailGateway
	r.Run(ctx, 4)
}

// startPollers runs one IMAP poller per configured mailbox; across instances,
// a lease in Redis lets only one of them poll a mailbox at a time.
func (a *app) startPollers(ctx context.Context, wg *sync.WaitGroup) {
	if len(a.cfg.Mailboxes) == 0 {
		return
	}
	importer := email.NewImporter(a.desk, &email.Options{
		Logger: a.logger.With(slog.String("component", "email")), Registerer: a.registry,
	})
	for _, mb := range a.cfg.Mailboxes {
		p := imappoll.New(mb, importer.Handle, &imappoll.Options{
			Prepare:    importer.Prepare,
			Durable:    a.store.Durable,
			Threading:  importer.Threading,
			Inventory:  importer,
			Logger:     a.logger.With(slog.String("component", "imap")),
			Registerer: a.registry,
			Redis:      a.rdb,
			Prefix:     a.cfg.Redis.Prefix,
			Instance:   a.instance,
			TLSConfig:  a.imapTLS,
			OAuth2:     a.mailAuth.Mailbox(mb.Name),
		})
		wg.Go(func() {
			if err := p.Run(ctx); err != nil {
				a.logger.Error("imap poller stopped", slog.String("mailbox", mb.Name), slog.Any("error", err))
			}
		})
		if acct := a.mailAuth.Mailbox(mb.Name); acct != nil {
			// The lease holder is the one instance that signs in to the
			// mailbox: it keeps the token fresh.
			wg.Go(func() { acct.Keep(ctx, func() bool { return p.Status().LeaseHeld }) })
		}
	}
}

func (a *app) queueNames() []string {
	names := make([]string, 0, len(a.cfg.Queues))
	for _, q := range a.cfg.Queues {
		names = append(names, q.Name)
	}
	return names
}

// followRules loads rules_file when Redis holds no rule set yet, then keeps
// this instance on the newest version (within a second of a change).
func (a *app) followRules(ctx context.Context) {
	logger := a.logger.With(slog.String("component", "routing"))
	if path := a.cfg.RulesFile; path != "" {
		for ctx.Err() == nil {
			err := a.rules.LoadFile(ctx, path)
			if err == nil {
				break
			}
			if !fault.IsUnavailable(err) {
				logger.Error("rules_file not loaded; tickets keep their mailbox's or number's queue", slog.Any("error", err))
				break
			}
			select { // Redis is not there yet: watchRedis reports it
			case <-ctx.Done():
				return
			case <-time.After(2 * time.Second):
			}
		}
	}
	a.rules.Watch(ctx, logger)
}

// startPhone sets up phone intake when Twilio is configured: the webhooks,
// mounted on the HTTP server by the function it returns (nil without Twilio),
// the drainer of their spool, the reconciliation with Twilio's records, and
// the workers that download recordings, pictures and fax pages.
func (a *app) startPhone(ctx context.Context, wg *sync.WaitGroup) func(*http.ServeMux) {
	t := a.cfg.Twilio
	if !twilioOn(t) {
		return nil
	}
	logger := a.logger.With(slog.String("component", "twilio"))
	// A download that keeps failing leaves a warning on its ticket and is
	// tried hourly for a day (phonetickets.MediaSlowFor) before it dies.
	var in *phonetickets.Intake
	media := jobs.New("media", &jobs.Options{Redis: a.rdb, Prefix: a.cfg.Redis.Prefix, Logger: logger, Registerer: a.registry,
		Now: a.clock.Now, SlowFor: phonetickets.MediaSlowFor,
		Struggling: func(ctx context.Context, j jobs.Job, err error) { in.Struggling(ctx, j, err) },
		Dead:       func(ctx context.Context, j jobs.Job, err error) { in.Dead(ctx, j, err) }})
	in = phonetickets.New(a.desk, a.rdb, media, &phonetickets.Options{Logger: logger, Registerer: a.registry})
	wg.Go(func() {
		if err := media.Run(ctx, 4, in.HandleJob); err != nil {
			logger.Error("media downloads stopped", slog.Any("error", err))
		}
	})
	hooks := phone.New(in, &phone.Options{
		Twilio: t, Calendars: a.cfg.BusinessHours, PublicURL: a.cfg.HTTP.PublicURL,
		Logger: logger, Registerer: a.registry, Durable: a.store.Durable, Spool: a.spool,
	})
	wg.Go(func() { hooks.RunSpool(ctx) })
	rec := phonereconcile.New(t, a.cfg.Redis.Prefix, a.rdb, in, a.store, &phonereconcile.Options{
		Logger: logger, Registerer: a.registry, Instance: a.instance, Now: a.clock.Now, Durable: a.store.Durable,
		Settle: t.ReconcileSettle,
	})
	wg.Go(func() { rec.Run(ctx) })
	return hooks.Register
}

// expireLeases returns tickets whose claim lease ran out to their queues, so
// that queue counts are right between claims, marks first responses that
// became overdue, and wakes snoozed tickets whose time came. Every instance runs it; the work is idempotent (a breach is
// marked once, in the marking script).
func (a *app) expireLeases(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		ids, err := a.store.MarkBreaches(ctx, a.queueNames())
		switch {
		case len(ids) > 0:
			a.slaBreaches.Add(float64(len(ids)))
			a.logger.Warn("first responses overdue; priority raised", slog.Any("tickets", ids))
		case err == nil, errors.Is(err, context.Canceled):
		case fault.IsUnavailable(err):
			a.logger.Debug("mark first-response breaches: redis unavailable", slog.Any("error", err))
		default:
			a.logger.Error("mark first-response breaches", slog.Any("error", err))
		}
		n, err := a.store.ExpireLeases(ctx)
		a.leasesExpired.Add(float64(n))
		switch {
		case err == nil, errors.Is(err, context.Canceled):
		case fault.IsUnavailable(err):
			a.logger.Debug("expire leases: redis unavailable", slog.Any("error", err))
		default:
			a.logger.Error("expire leases", slog.Any("error", err))
		}
		if n > 0 {
			a.logger.Info("claim leases expired; tickets back in their queues", slog.Int("tickets", n))
		}
		n, err = a.store.WakeDue(ctx)
		a.woken.Add(float64(n))
		switch {
		case err == nil, errors.Is(err, context.Canceled):
		case fault.IsUnavailable(err):
			a.logger.Debug("wake snoozed tickets: redis unavailable", slog.Any("error", err))
		default:
			a.logger.Error("wake snoozed tickets", slog.Any("error", err))
		}
		if n > 0 {
			a.logger.Info("snoozed tickets back at the head of their queues", slog.Int("tickets", n))
		}
	}
}

// instanceClock is this instance's own clock: time.Now, shifted by
// $FRONTDESK_TEST_CLOCK_SKEW (a Go duration) when the load proof sets it to
// play an instance whose clock is off. Leases and due times do not follow
// it: they follow Redis's (package redisclock).
func instanceClock(logger *slog.Logger) func() time.Time {
	skew, err := time.ParseDuration(os.Getenv("FRONTDESK_TEST_CLOCK_SKEW"))
	if err != nil || skew == 0 {
		return time.Now
	}
	logger.Warn("this instance's clock is shifted for a test", slog.Duration("skew", skew))
	return func() time.Time { return time.Now().Add(skew) }
}

// faxService is the Faxes API of fax.outbound, with the routes it calls
// (the PDFs it fetches, its status callbacks); nil when faxes do not go
// through one.
func (a *app) faxService() *fax.Service {
	if !a.cfg.Fax.Outbound.API() {
		return nil
	}
	return fax.New(a.desk, a.cfg.Fax.Outbound, a.cfg.HTTP.PublicURL, &fax.Options{
		Logger: a.logger.With(slog.String("component", "fax")), Now: a.clock.Now,
	})
}

// mountAll mounts the routes of each of mounts that is not nil.
func mountAll(mounts ...func(*http.ServeMux)) func(*http.ServeMux) {
	return func(mux *http.ServeMux) {
		for _, m := range mounts {
			if m != nil {
				m(mux)
			}
		}
	}
}
