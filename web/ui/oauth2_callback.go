package ui

import (
	"net/http"

	"frontdesk/mailauth"
	"frontdesk/web/auth"
)

// handleUIOAuth2Callback is where the provider sends the manager back: the
// code is traded for tokens (kept, encrypted, in Redis) and the settings
// page says the mailbox is connected, or, on the settings page itself, why
// not.
func (h *Handlers) handleUIOAuth2Callback(w http.ResponseWriter, r *http.Request) {
	if h.mailAuth == nil {
		http.NotFound(w, r)
		return
	}
	q := r.URL.Query()
	cb := mailauth.Callback{State: q.Get("state"), Code: q.Get("code"), Error: q.Get("error"), ErrorDescription: q.Get("error_description")}
	st, err := h.mailAuth.Complete(r.Context(), cb, auth.Caller(r).Name, csrfToken(r))
	if err != nil {
		status, ok := h.formStatus(w, r, err)
		if !ok {
			return
		}
		h.renderSettings(w, r, status, "Not connected: "+reason(err)+".")
		return
	}
	name := mailAuthRow{Status: st}.Name()
	h.seeOther(w, r, "/settings#mail-sign-in", name+" is connected to "+st.Provider+" as "+st.Username+".")
}
