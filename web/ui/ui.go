// Package ui serves frontdesk's web UI for assistants and managers: the queue
// board, tickets with their conversations and forms, and the managers' rule
// editor, users and settings. Pages are rendered on the server from
// templates/ (html/template); one stylesheet and one small script come from
// static/; both are embedded in the binary.
//
// Every page and form target is declared in one table, Routes in routes.go,
// which package web mounts behind Guard: a signed-in session (session.go)
// with a form token on every POST, and the UI's Content Security Policy. Each
// handler lives in a file of its own named noun_verb.go (ticket_show.go,
// reply_create.go…) and reads as: load, on error show the error page
// (uiError) and return, else build the view and render it (render.go).
// Errors reach the error page with the status package httperr's table gives
// them. Every change to a ticket is a verb of the desk (package desk); what
// the UI and the API share beyond it is in package front.
package ui

import (
	"context"
	"embed"
	"log/slog"
	"net/http"
	"net/netip"

	"frontdesk/mailauth"
	"frontdesk/web/auth"
	"frontdesk/web/front"
)

// The web UI is server-rendered: html/template pages from templates/, one
// stylesheet and one small script from static/, both embedded in the binary.
// Every page works without the script; it only adds live refresh, local
// times, keyboard shortcuts and the sizing of mail frames.
//
//go:embed templates static
var uiFiles embed.FS

// UserAdmin is what the managers' users page needs beyond Accounts.List.
type UserAdmin interface {
	// AddUser creates a user (fault.ErrInvalid naming what is wrong,
	// fault.ErrConflict when the name is taken).
	AddUser(ctx context.Context, name, role, password string) error
	// SetPassword replaces a user's password.
	SetPassword(ctx context.Context, name, password string) error
}

// Options configures the UI's handlers.
type Options struct {
	// Front is what the handlers work on.
	Front *front.Front
	// Logger receives error logs and sign-ins; nil discards them.
	Logger *slog.Logger
	// Sessions signs people in.
	Sessions auth.Sessions
	// Users lets managers add users and set passwords on the users page;
	// nil shows the page read-only.
	Users UserAdmin
	// SecureCookies marks the UI's cookies Secure on every answer, not only
	// on requests that arrived over HTTPS (directly or, by
	// X-Forwarded-Proto, through a proxy).
	SecureCookies bool
	// Settings is the configuration the managers' "queues and hours" page
	// shows; nil shows only the queue names.
	Settings *DeskSettings
	// TrustedProxies are the reverse proxies whose X-Forwarded-For the
	// login believes (auth.ClientAddr); none by default.
	TrustedProxies []netip.Prefix
	// MailAuth, when set, shows the mailboxes and smtp that sign in with
	// OAuth2 on the settings page, where managers connect them.
	MailAuth MailAuth
}

// MailAuth is what the settings page needs of the mailboxes and smtp that
// sign in with OAuth2 (package mailauth): their state, and connecting them
// (the authorization code flow, ending at /oauth2/callback).
type MailAuth interface {
	// Statuses reads every account's state; never a token.
	Statuses(ctx context.Context) ([]mailauth.Status, error)
	// CanConnect reports whether accounts can be connected here (the
	// provider needs http.public_url).
	CanConnect() bool
	// Begin starts connecting an account for user in the session that
	// session names, and returns the provider's URL to send the browser to.
	Begin(ctx context.Context, account, user, session string) (string, error)
	// Complete finishes it with what the provider sent back.
	Complete(ctx context.Context, cb mailauth.Callback, user, session string) (mailauth.Status, error)
	// FormTargets are the origins of the providers' authorization pages.
	FormTargets() []string
}

// Handlers are the web UI's handlers and what they need.
type Handlers struct {
	*front.Front
	logger        *slog.Logger
	sessions      auth.Sessions
	users         UserAdmin
	secureCookies bool
	settings      *DeskSettings
	proxies       []netip.Prefix
	mailAuth      MailAuth
	templates     uiTemplates
	crossOrigin   *http.CrossOriginProtection
}

// New returns the UI's handlers. It panics if a template does not parse:
// they are embedded, so a test finds it.
func New(opts Options) *Handlers {
	h := &Handlers{
		Front:         opts.Front,
		logger:        opts.Logger,
		sessions:      opts.Sessions,
		users:         opts.Users,
		secureCookies: opts.SecureCookies,
		settings:      opts.Settings,
		proxies:       opts.TrustedProxies,
		mailAuth:      opts.MailAuth,
		templates:     parseUITemplates(),
	}
	if h.logger == nil {
		h.logger = slog.New(slog.DiscardHandler)
	}
	h.crossOrigin = h.newCrossOriginProtection()
	return h
}

// Guard wraps a route's handler in its access check and the UI's headers. It
// panics, at start-up, for a route that is neither public nor limited to
// roles.
func (h *Handlers) Guard(rt auth.Route) http.Handler {
	rt.CheckAccess("UI")
	var next http.Handler = rt.Handler
	if !rt.Public {
		next = h.requireSession(rt.Roles, next)
	}
	return uiHeaders(h.crossOrigin.Handler(next))
}

// newCrossOriginProtection is the UI's first line against forged forms:
// browsers say where a form comes from (Sec-Fetch-Site, Origin), and a POST
// from another site is refused before any handler runs. The form token
// (requireSession) is the second line, for browsers that say nothing.
func (h *Handlers) newCrossOriginProtection() *http.CrossOriginProtection {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.renderError(w, r, http.StatusForbidden, "This form was sent from another site and has been refused.")
	}))
	return cop
}

// uiCSP is the Content Security Policy of UI pages: the page's own script,
// style, images and media only; no inline script or style; frames only from
// the page's own origin (the mail bodies); forms post only to the UI itself.
const uiCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"media-src 'self'; frame-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// uiHeaders sets the UI's Content Security Policy over the strict default of
// securityHeaders, and keeps pages out of shared caches.
func uiHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", uiCSP)
		w.Header().Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}
