package ui

import (
	"net/http"

	"frontdesk/web/auth"
)

// handleUIMailConnect starts connecting a mailbox (or smtp) that signs in
// with OAuth2: it sends the manager to the provider's sign-in page, which
// sends them back to /oauth2/callback. The connection under way is bound to
// this session.
func (h *Handlers) handleUIMailConnect(w http.ResponseWriter, r *http.Request) {
	if h.mailAuth == nil {
		http.NotFound(w, r)
		return
	}
	to, err := h.mailAuth.Begin(r.Context(), r.PostForm.Get("account"), auth.Caller(r).Name, csrfToken(r))
	if err != nil {
		h.uiError(w, r, err)
		return
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}
