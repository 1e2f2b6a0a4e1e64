package ui

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"frontdesk/fault"
	"frontdesk/web/auth"
)

// Cookies of the web UI. The session cookie holds the session token (Redis
// keeps only its hash); it is HttpOnly, SameSite=Lax, and Secure whenever the
// UI is reached over HTTPS (directly, through a proxy that says so with
// X-Forwarded-Proto, or because Options.SecureCookies says it always is).
// A Secure cookie is named with the __Host- prefix (hostPrefix); these are
// the names without it.
const (
	sessionCookie   = "frontdesk_session"
	loginCSRFCookie = "frontdesk_login"
)

// csrfKey is the request context key of the signed-in user's form token.
type csrfKey struct{}

// csrfToken returns the form token of the request's session, "" outside one.
func csrfToken(r *http.Request) string {
	t, _ := r.Context().Value(csrfKey{}).(string)
	return t
}

// sessionCSRF derives a session's form token from its secret token: a page
// can show it without revealing the session, and no store is needed for it.
func sessionCSRF(session string) string {
	sum := sha256.Sum256([]byte("frontdesk form token\x00" + session))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// sameToken compares two tokens in constant time.
func sameToken(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// requireSession lets a request through to next when it carries a live
// session of a user with one of roles, and, for anything but GET and HEAD,
// the session's form token in field "csrf". Without a session a page request
// is sent to the login page (and back afterwards); a form without its token
// gets 403, as does a role that may not.
func (h *Handlers) requireSession(roles []string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := h.cookie(r, sessionCookie)
		var p auth.Principal
		if err == nil {
			p, err = h.sessions.Session(r.Context(), c.Value)
		}
		if err != nil {
			if fault.IsUnavailable(err) {
				h.uiError(w, r, err)
				return
			}
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			h.renderError(w, r, http.StatusUnauthorized, "Your session has ended. Please sign in again.")
			return
		}
		ctx := auth.WithCaller(r.Context(), p)
		ctx = context.WithValue(ctx, csrfKey{}, sessionCSRF(c.Value))
		r = r.WithContext(ctx)
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			if err := parseForm(w, r, h.UploadLimit()); err != nil {
				h.uiError(w, r, err)
				return
			}
			if !sameToken(r.PostForm.Get("csrf"), csrfToken(r)) {
				h.renderError(w, r, http.StatusForbidden, "This form has expired. Go back, reload the page and try again.")
				return
			}
		}
		if !slices.Contains(roles, p.Role) {
			h.renderError(w, r, http.StatusForbidden, "This page is for managers.")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// secureRequest reports whether cookies set in answer to r must be Secure.
func (h *Handlers) secureRequest(r *http.Request) bool {
	return h.secureCookies || r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

// hostPrefix starts the name of every Secure UI cookie. Browsers keep a
// cookie so named only if it is Secure, for the path / and without a Domain
// (RFC 6265bis §4.1.3.2), so neither a page on another subdomain nor a
// man in the middle of a plain-HTTP visit can set or replace one: a
// session cannot be planted on the desk from outside it.
const hostPrefix = "__Host-"

// cookieName is the name UI cookie name has in answer to r, and in r: with
// the __Host- prefix when it is Secure, as it is on HTTPS, else the plain
// name (plain HTTP on loopback: the demo and tests). A request is read for
// the cookie under the name it was set with, and no other: over HTTPS a
// cookie without the prefix, which anyone could have planted, is not taken.
func (h *Handlers) cookieName(r *http.Request, name string) string {
	if h.secureRequest(r) {
		return hostPrefix + name
	}
	return name
}

// cookie returns UI cookie name from r, by its name for r (cookieName).
func (h *Handlers) cookie(r *http.Request, name string) (*http.Cookie, error) {
	return r.Cookie(h.cookieName(r, name))
}

// setCookie sets a UI cookie: HttpOnly, SameSite=Lax, for the whole site,
// named for r (cookieName); maxAge < 0 deletes it, 0 makes it last as long
// as the browser session.
func (h *Handlers) setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{
		Name:     h.cookieName(r, name),
		Value:    value,
		Path:     "/",
		MaxAge:   maxAge,
		HttpOnly: true,
		Secure:   h.secureRequest(r),
		SameSite: http.SameSiteLaxMode,
	})
}

// localPath returns p when it is a path on this site ("/tickets/7"), else "":
// a login link cannot send the user to another site afterwards.
func localPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") {
		return ""
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" {
		return ""
	}
	return p
}
