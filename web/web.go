// Package web is frontdesk's HTTP server: health and readiness probes
// (health.go), Prometheus metrics (metrics.go), the middleware every request
// goes through (middleware.go, unmatched.go), the limits on connections and
// request bodies (limits.go), and graceful serving (serve.go). It mounts the JSON API under /api/v1 (package api) and the web
// UI for assistants and managers (package ui), both built from Options on one
// desk (package desk).
//
// routes.go is the one place that says what is mounted, with the standard
// library's method-and-path patterns: the probes and metrics, then the
// route tables of package api and package ui, each route behind its access
// check (package auth). Errors reach HTTP statuses through one table,
// package httperr.
package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"frontdesk/desk"
	"frontdesk/web/api"
	"frontdesk/web/auth"
	"frontdesk/web/front"
	"frontdesk/web/ui"
)

// Options configures a Server. The zero value is usable: it logs nothing, is
// always ready, serves prometheus.DefaultGatherer and registers no metrics.
type Options struct {
	// Logger receives error logs, readiness changes and, at debug level, one
	// line per request. Nil discards them.
	Logger *slog.Logger
	// Ready reports whether the service can do its work (e.g. Redis answers
	// PING): nil error means ready. It is given at most 2 s. Nil means always
	// ready.
	Ready func(ctx context.Context) error
	// Warnings, when set, lists what works only in part while the service
	// is ready (a mailbox whose sign-in a manager must renew): /readyz
	// still answers 200, with one "warning: …" line each after "ready".
	Warnings func() []string
	// Gatherer is what /metrics exposes. Nil means prometheus.DefaultGatherer.
	Gatherer prometheus.Gatherer
	// Registerer is where the server registers its own request metrics. Nil
	// means they are kept but not registered anywhere.
	Registerer prometheus.Registerer
	// Mount, when set, adds the routes of other packages (Twilio's
	// webhooks…) to the server's mux, behind the same middleware.
	Mount func(mux *http.ServeMux)

	// Desk and Accounts back the JSON API under /api/v1: every change to a
	// ticket is a verb of the desk. When either is nil the API's routes are
	// not registered (probes and metrics still are).
	Desk     *desk.Desk
	Accounts auth.Accounts
	// Rules backs /api/v1/rules; nil answers those routes with 404.
	Rules front.RuleSets

	// Sessions signs people in to the web UI (package ui); when it is nil
	// (or Desk or Accounts is) the UI's routes are not registered.
	Sessions auth.Sessions
	// Users lets managers add users and set passwords on the users page;
	// nil shows the page read-only.
	Users ui.UserAdmin
	// SecureCookies marks the UI's cookies Secure on every answer, not only
	// on requests that arrived over HTTPS (directly or, by
	// X-Forwarded-Proto, through a proxy). Set it when the UI is public.
	SecureCookies bool
	// Settings is the configuration the managers' "queues and hours" page
	// shows; nil shows only the queue names.
	Settings *ui.DeskSettings
	// MailAuth, when set, lets managers connect the mailboxes and smtp
	// that sign in with OAuth2 on the settings page.
	MailAuth ui.MailAuth
	// Webhooks are the outgoing webhooks whose delivery logs managers see
	// (GET /api/v1/webhooks, the UI's /webhooks); nil shows none.
	Webhooks *front.Webhooks
	// Downloads are the media downloads that gave up, which managers see
	// and retry (GET /api/v1/jobs?queue=media, the UI's /outbox); nil
	// shows none.
	Downloads front.Downloads

	// Limits bounds connections, header and body reads; zero fields take
	// DefaultLimits.
	Limits Limits
	// HSTS adds Strict-Transport-Security to every answer: set it when the
	// server is reached over HTTPS (http.public_url is https://).
	HSTS bool
	// MetricsToken, when set, is the bearer token /metrics requires; a
	// request without it gets 401.
	MetricsToken string
	// SeparateMetrics serves /metrics only through ServeMetrics, on a
	// listener of its own; Handler and Serve answer it with 404.
	SeparateMetrics bool
	// TrustedProxies are the reverse proxies whose X-Forwarded-For the
	// UI's login believes for the brake per client address
	// (auth.ClientAddr); none by default.
	TrustedProxies []netip.Prefix
}

// Server is frontdesk's HTTP server. Its methods are safe for concurrent use.
type Server struct {
	logger   *slog.Logger
	ready    func(ctx context.Context) error
	warnings func() []string
	gatherer prometheus.Gatherer
	metrics  *httpMetrics
	mount    func(mux *http.ServeMux)
	handler  http.Handler
	// metricsOnly serves /metrics alone, for ServeMetrics; nil unless
	// Options.SeparateMetrics.
	metricsOnly http.Handler

	limits          Limits
	hsts            bool
	metricsToken    string
	separateMetrics bool

	// The handlers of the JSON API (package api) and of the web UI
	// (package ui); nil when they are not served. See Options.
	api *api.Handlers
	ui  *ui.Handlers

	readiness       readiness
	readyTimeout    time.Duration // how long Ready may take before /readyz gives up
	shutdownTimeout time.Duration // how long Serve waits for requests in flight
}

// New returns a Server with its routes and middleware in place. It panics if
// the request metrics cannot be registered on opts.Registerer for a reason
// other than their already being there (then the registered ones are shared).
func New(opts Options) *Server {
	s := &Server{
		logger:          opts.Logger,
		ready:           opts.Ready,
		warnings:        opts.Warnings,
		gatherer:        opts.Gatherer,
		mount:           opts.Mount,
		limits:          opts.Limits.withDefaults(),
		hsts:            opts.HSTS,
		metricsToken:    opts.MetricsToken,
		separateMetrics: opts.SeparateMetrics,
		readyTimeout:    2 * time.Second,
		shutdownTimeout: 10 * time.Second,
	}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	if s.gatherer == nil {
		s.gatherer = prometheus.DefaultGatherer
	}
	// The API and the UI work on one front: the desk, the accounts, the rules.
	if opts.Desk != nil && opts.Accounts != nil {
		f := front.New(opts.Desk, opts.Accounts, opts.Rules)
		f.Webhooks = opts.Webhooks
		f.Downloads = opts.Downloads
		if opts.Limits.Uploads.MaxBytes == 0 {
			s.limits.Uploads.MaxBytes = f.UploadLimit()
		}
		s.api = api.New(api.Options{Front: f, Logger: s.logger})
		if opts.Sessions != nil {
			s.ui = ui.New(ui.Options{
				Front:          f,
				Logger:         s.logger,
				Sessions:       opts.Sessions,
				Users:          opts.Users,
				SecureCookies:  opts.SecureCookies,
				Settings:       opts.Settings,
				MailAuth:       opts.MailAuth,
				TrustedProxies: opts.TrustedProxies,
			})
		}
	}
	s.metrics = newHTTPMetrics(opts.Registerer)
	s.handler = s.middleware(s.routes())
	if s.separateMetrics {
		s.metricsOnly = s.middleware(s.metricsRoutes())
	}
	return s
}

// Handler returns the server's HTTP handler: all routes behind the middleware.
func (s *Server) Handler() http.Handler { return s.handler }

// middleware wraps mux in what every request goes through, outermost first:
// security headers, metrics and access log, panic recovery, the body limits
// of the request's route class (limits.go), and the answers for paths no
// route matches. Nothing in the chain replaces the *http.Request, so the
// r.Pattern the mux sets is visible to the metrics afterwards.
func (s *Server) middleware(mux *http.ServeMux) http.Handler {
	h := unmatched(mux)
	h = s.limitBodies(mux, h)
	h = s.recoverPanics(h)
	h = s.instrument(h)
	h = securityHeaders(s.hsts, h)
	return h
}
