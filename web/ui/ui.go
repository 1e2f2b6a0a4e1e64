// Package ui serves frontdesk's web UI for assistants and managers: the queue
// board, tickets with their conversations and forms, and the managers' rule
// editor, users and settings. Pages are rendered on the server from
// templates/ (html/template); one stylesheet and one small script come from
// static/; both are embedded in the binary.
//
// Every page and form target is declared in one table, Routes in ui.go
// (with uiAssistantRoutes and uiManagerRoutes), which package web mounts
// behind Guard: a signed-in session (session.go) with a form token on every
// POST, and the UI's Content Security Policy. Errors reach the error page with
// the status package httperr's table gives them. What the API does the same
// way (a reply, an assignee's check…) is in package desk.
package ui

import (
	"bytes"
	"context"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"

	"frontdesk/fault"
	"frontdesk/web/auth"
	"frontdesk/web/desk"
	"frontdesk/web/httperr"
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
	// Desk is what the handlers work on.
	Desk *desk.Desk
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
}

// Handlers are the web UI's handlers and what they need.
type Handlers struct {
	*desk.Desk
	logger        *slog.Logger
	sessions      auth.Sessions
	users         UserAdmin
	secureCookies bool
	settings      *DeskSettings
	templates     uiTemplates
	crossOrigin   *http.CrossOriginProtection
}

// New returns the UI's handlers. It panics if a template does not parse:
// they are embedded, so a test finds it.
func New(opts Options) *Handlers {
	h := &Handlers{
		Desk:          opts.Desk,
		logger:        opts.Logger,
		sessions:      opts.Sessions,
		users:         opts.Users,
		secureCookies: opts.SecureCookies,
		settings:      opts.Settings,
		templates:     parseUITemplates(),
	}
	if h.logger == nil {
		h.logger = slog.New(slog.DiscardHandler)
	}
	h.crossOrigin = h.newCrossOriginProtection()
	return h
}

// Routes is the web UI: every page and form target, who may use it and its
// handler. Forms POST to the page they belong to, and answer with a redirect
// (303 See Other) so that reloading a page never sends a form twice. Package
// web registers each behind its access check, Guard.
func (h *Handlers) Routes() []auth.Route {
	rs := []auth.Route{
		{Method: "GET", Path: "/static/{file}", Public: true, Handler: h.handleStatic},
		{Method: "GET", Path: "/login", Public: true, Handler: h.handleLoginPage},
		{Method: "POST", Path: "/login", Public: true, Handler: h.handleLogin},
		{Method: "POST", Path: "/logout", Roles: auth.Staff, Handler: h.handleLogout},
	}
	rs = append(rs, h.uiAssistantRoutes()...)
	rs = append(rs, h.uiManagerRoutes()...)
	return rs
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

// handleStatic serves the embedded stylesheet and script.
func (h *Handlers) handleStatic(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	b, err := fs.ReadFile(uiFiles, "static/"+name)
	if err != nil || strings.Contains(name, "/") {
		httperr.WriteStatus(w, r, http.StatusNotFound)
		return
	}
	switch path.Ext(name) {
	case ".css":
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
	case ".js":
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	default:
		w.Header().Set("Content-Type", "application/octet-stream")
	}
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(b)
}

// pageData is what every page template gets.
type pageData struct {
	Title string
	// Nav names the navigation item to mark as current: queues, mine,
	// tickets, rules, users, settings.
	Nav  string
	User auth.Principal // the signed-in user; zero on the login page
	// CSRF is the form token every POST form carries as field "csrf".
	CSRF string
	// Notice and Problem are one-line messages shown above the page: what a
	// form did, or why it did not.
	Notice, Problem string
	// Queues are the configured queue names, for navigation and forms.
	Queues []string
	// Path is the page's own path, for forms that come back to it; "/"
	// when the page answers a form.
	Path string
	// Data is the page's own.
	Data any
}

// IsManager reports whether the signed-in user is a manager.
func (p pageData) IsManager() bool { return p.User.Role == auth.RoleManager }

// uiTemplates holds one template set per page: the layout with that page's
// "content" (and "title") definitions.
type uiTemplates map[string]*template.Template

// parseUITemplates parses templates/layout.html with each other page of
// templates/. It panics on an error: the templates are embedded, so a test
// finds it.
var parseUITemplates = sync.OnceValue(parseUITemplatesOnce)

func parseUITemplatesOnce() uiTemplates {
	layout := template.Must(template.New("layout.html").Funcs(uiFuncs).ParseFS(uiFiles, "templates/layout.html", "templates/partials_*.html"))
	pages, err := fs.Glob(uiFiles, "templates/*.html")
	if err != nil {
		panic(err)
	}
	out := uiTemplates{}
	for _, p := range pages {
		name := path.Base(p)
		if name == "layout.html" || strings.HasPrefix(name, "partials_") {
			continue
		}
		out[strings.TrimSuffix(name, ".html")] = template.Must(template.Must(layout.Clone()).ParseFS(uiFiles, p))
	}
	return out
}

// render answers with page name in the layout. The page is rendered into a
// buffer first, so that a template error becomes a clean 500, not half a page.
func (h *Handlers) render(w http.ResponseWriter, r *http.Request, status int, name string, p *pageData) {
	if err := h.renderTo(w, r, status, name, p); err != nil {
		h.logger.LogAttrs(r.Context(), slog.LevelError, "render page", slog.String("page", name), slog.Any("error", err))
		httperr.WriteStatus(w, r, http.StatusInternalServerError)
	}
}

// renderTo is render, returning a template's error instead of answering it.
func (h *Handlers) renderTo(w http.ResponseWriter, r *http.Request, status int, name string, p *pageData) error {
	t, ok := h.templates[name]
	if !ok {
		panic("web: no UI template " + name)
	}
	p.User = auth.Caller(r)
	p.CSRF = csrfToken(r)
	p.Queues = h.Queues
	p.Path = "/"
	if r.Method == http.MethodGet {
		p.Path = r.URL.RequestURI()
	}
	if notice := h.takeNotice(w, r); p.Notice == "" {
		p.Notice = notice
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", p); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
	return nil
}

// renderError answers with the error page.
func (h *Handlers) renderError(w http.ResponseWriter, r *http.Request, status int, msg string) {
	h.render(w, r, status, "error", &pageData{Title: http.StatusText(status), Problem: msg})
}

// uiError answers a failed UI request with the error page and the status
// err's kind calls for (httperr.Status); like httperr.Write, only 4xx answers show
// err's message and only 500s are logged.
func (h *Handlers) uiError(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := httperr.Public(r, h.logger, err,
		"The service is temporarily unavailable. Please try again in a moment.", "Something went wrong on our side.")
	h.renderError(w, r, status, msg)
}

// formStatus is the status of err when it is a problem a page can show with
// its form (4xx); any other failure gets the error page, and ok is false.
func (h *Handlers) formStatus(w http.ResponseWriter, r *http.Request, err error) (status int, ok bool) {
	status = httperr.Status(err)
	if status >= 500 {
		h.uiError(w, r, err)
		return status, false
	}
	return status, true
}

// noticeCookie carries a one-line notice from a form's redirect to the page
// it leads to, which shows it once. A cookie, not the URL, so that a link
// from elsewhere cannot put words in the desk's mouth.
const noticeCookie = "frontdesk_notice"

// seeOther redirects after a form to target, with a one-line notice for the
// next page.
func (h *Handlers) seeOther(w http.ResponseWriter, r *http.Request, target, notice string) {
	if notice != "" {
		h.setCookie(w, r, noticeCookie, base64.RawURLEncoding.EncodeToString([]byte(notice)), 60)
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// takeNotice returns the notice a redirect left for this page, and deletes it.
func (h *Handlers) takeNotice(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie(noticeCookie)
	if err != nil {
		return ""
	}
	h.setCookie(w, r, noticeCookie, "", -1)
	b, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil {
		return ""
	}
	return string(b)
}

// maxFormSize is the largest form body the UI reads (a pasted mail for the
// rule test is the largest expected).
const maxFormSize = 2 << 20

// parseForm reads a POST form of at most maxFormSize bytes.
func parseForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormSize)
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return err
		}
		return fmt.Errorf("%w: form: %v", fault.ErrInvalid, err)
	}
	return nil
}

// when renders a time as <time>, in UTC until the script shows it in the
// viewer's own timezone.
func when(t time.Time) template.HTML {
	if t.IsZero() {
		return ""
	}
	return template.HTML(fmt.Sprintf(`<time datetime="%s">%s</time>`,
		t.UTC().Format(time.RFC3339), template.HTMLEscapeString(t.UTC().Format("2006-01-02 15:04 UTC"))))
}

// uiFuncs are the template functions of every page.
var uiFuncs = template.FuncMap{
	"when": when,
	// whenp is when for a time that may be missing.
	"whenp": func(t *time.Time) template.HTML {
		if t == nil {
			return ""
		}
		return when(*t)
	},
	// age says how long ago t was, coarsely: "5 min", "3 h", "2 d".
	"age":     func(t time.Time) string { return humanDuration(time.Since(t)) },
	"seconds": func(sec float64) string { return humanDuration(time.Duration(sec * float64(time.Second))) },
	// due says how long until a deadline ("in 2 h") or since ("5 min late").
	"due": func(t *time.Time) string {
		if t == nil {
			return ""
		}
		if d := time.Until(*t); d >= 0 {
			return "in " + humanDuration(d)
		}
		return humanDuration(time.Since(*t)) + " late"
	},
	"overdue": func(t *time.Time) bool { return t != nil && time.Now().After(*t) },
	"bytes":   humanBytes,
	"list":    func(s ...string) []string { return s },
	"join":    strings.Join,
	// isImage: a picture browsers show (and the attachment route serves
	// inline), so the page can show it in place.
	"isImage": func(ct string) bool {
		switch ct {
		case "image/png", "image/jpeg", "image/gif", "image/webp":
			return true
		}
		return false
	},
	"isPDF": func(ct string) bool { return ct == "application/pdf" },
}

// humanDuration renders d coarsely for people: "40 s", "5 min", "3 h", "2 d".
func humanDuration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h", int(d.Hours()))
	default:
		return fmt.Sprintf("%d d", int(d.Hours()/24))
	}
}

// humanBytes renders a size: "812 B", "48 KB", "3.1 MB".
func humanBytes(n int64) string {
	switch {
	case n < 1000:
		return fmt.Sprintf("%d B", n)
	case n < 1000*1000:
		return fmt.Sprintf("%d KB", n/1000)
	default:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	}
}

// renderFragment answers with one named template of a page's set, without
// the layout: a part of a page that the script refreshes in place.
func (h *Handlers) renderFragment(w http.ResponseWriter, r *http.Request, page, name string, data any) {
	var buf bytes.Buffer
	if err := h.templates[page].ExecuteTemplate(&buf, name, data); err != nil {
		h.logger.LogAttrs(r.Context(), slog.LevelError, "render fragment", slog.String("fragment", name), slog.Any("error", err))
		httperr.WriteStatus(w, r, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = buf.WriteTo(w)
}
