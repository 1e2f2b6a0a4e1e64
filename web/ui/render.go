package ui

import (
	"bytes"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"sync"

	"frontdesk/web/auth"
	"frontdesk/web/httperr"
)

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
	// NewMentions counts the tickets the signed-in user was mentioned on
	// since they last looked at their tickets.
	NewMentions int
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
	if p.User.Name != "" && name != "mine" {
		// A count that cannot be read is left out; the page still shows.
		p.NewMentions, _ = h.Tickets.NewMentions(r.Context(), p.User.Name)
	}
	p.Queues = h.Queues()
	p.Path = "/"
	if r.Method == http.MethodGet {
		p.Path = r.URL.RequestURI()
	}
	if notice := h.takeNotice(w, r); p.Notice == "" {
		p.Notice = notice
	}
	if problem := h.takeProblem(w, r); p.Problem == "" {
		p.Problem = problem
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

// uiError answers a failed UI request with the error page and the status
// err's kind calls for (httperr.Status); like httperr.Write, only 4xx answers show
// err's message and only 500s are logged.
func (h *Handlers) uiError(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := httperr.Public(r, h.logger, err,
		"The service is temporarily unavailable. Please try again in a moment.", "Something went wrong on our side.")
	if status < 500 {
		msg = reason(err)
		msg = strings.ToUpper(msg[:1]) + msg[1:]
	}
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
