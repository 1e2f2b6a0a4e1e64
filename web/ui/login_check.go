package ui

import (
	"errors"
	"net/http"
	"strings"

	"frontdesk/fault"
	"frontdesk/web/auth"
)

// handleLogin checks the login form and starts a session: 303 to the page the
// user came for; the form again with 401 for a wrong name or password, 429
// while a brake holds (for the name, or for the client's address), 403 for
// a disabled user; 503 when the accounts cannot be read or too many
// passwords are being checked at once.
func (h *Handlers) handleLogin(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r, MaxFormSize); err != nil {
		h.uiError(w, r, err)
		return
	}
	name := strings.TrimSpace(r.PostForm.Get("name"))
	next := localPath(r.PostForm.Get("next"))
	c, err := h.cookie(r, loginCSRFCookie)
	if err != nil || !sameToken(r.PostForm.Get("csrf"), c.Value) {
		h.showLogin(w, r, http.StatusForbidden, name, next, "The sign-in form had expired. Please try again.")
		return
	}
	p, session, err := h.sessions.Login(r.Context(), name, r.PostForm.Get("password"), auth.ClientAddr(r, h.proxies))
	switch {
	case errors.Is(err, auth.ErrTooManyLoginsFromAddress):
		w.Header().Set("Retry-After", loginRetryAfter)
		h.showLogin(w, r, http.StatusTooManyRequests, name, next, "Too many failed sign-ins from your network. Please wait 15 minutes and try again.")
		return
	case errors.Is(err, auth.ErrTooManyLogins):
		w.Header().Set("Retry-After", loginRetryAfter)
		h.showLogin(w, r, http.StatusTooManyRequests, name, next, "Too many failed attempts for this name. Please wait 15 minutes and try again.")
		return
	case errors.Is(err, auth.ErrAccountDisabled):
		h.showLogin(w, r, http.StatusForbidden, name, next, "This account is disabled. A manager can enable it again.")
		return
	case fault.IsUnavailable(err):
		h.uiError(w, r, err)
		return
	case err != nil:
		h.showLogin(w, r, http.StatusUnauthorized, name, next, "Wrong name or password.")
		return
	}
	h.logger.Info("signed in", "user", p.Name, "remote", r.RemoteAddr, "client", auth.ClientAddr(r, h.proxies))
	h.setCookie(w, r, loginCSRFCookie, "", -1)
	h.setCookie(w, r, sessionCookie, session, 0)
	if next == "" {
		next = "/"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// loginRetryAfter is the Retry-After of a login refused by a brake: the
// brakes' window, 15 minutes, in seconds.
const loginRetryAfter = "900"
