package ui

import (
	"encoding/base64"
	"net/http"
)

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
	c, err := h.cookie(r, noticeCookie)
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
