package ui

import (
	"encoding/base64"
	"net/http"
	"strings"
)

// noticeCookie carries a one-line notice from a form's redirect to the page
// it leads to, which shows it once. A cookie, not the URL, so that a link
// from elsewhere cannot put words in the desk's mouth.
const noticeCookie = "frontdesk_notice"

// problemCookie carries, the same way, why a form changed nothing, for the
// page it returns to: the form is there again, beside the reason.
const problemCookie = "frontdesk_problem"

// maxProblem bounds a problem carried in problemCookie, in bytes.
const maxProblem = 600

// seeOther redirects after a form to target, with a one-line notice for the
// next page.
func (h *Handlers) seeOther(w http.ResponseWriter, r *http.Request, target, notice string) {
	if notice != "" {
		h.setCookie(w, r, noticeCookie, base64.RawURLEncoding.EncodeToString([]byte(notice)), 60)
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// seeOtherProblem redirects after a refused form back to target, the page
// the form is on, with why it was refused for that page to show.
func (h *Handlers) seeOtherProblem(w http.ResponseWriter, r *http.Request, target, problem string) {
	if len(problem) > maxProblem { // a cookie holds 4 KB
		problem = strings.ToValidUTF8(problem[:maxProblem], "") + "…"
	}
	h.setCookie(w, r, problemCookie, base64.RawURLEncoding.EncodeToString([]byte(problem)), 60)
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// takeNotice returns the notice a redirect left for this page, and deletes it.
func (h *Handlers) takeNotice(w http.ResponseWriter, r *http.Request) string {
	return h.takeMessage(w, r, noticeCookie)
}

// takeProblem returns the problem a redirect left for this page, and
// deletes it.
func (h *Handlers) takeProblem(w http.ResponseWriter, r *http.Request) string {
	return h.takeMessage(w, r, problemCookie)
}

func (h *Handlers) takeMessage(w http.ResponseWriter, r *http.Request, name string) string {
	c, err := h.cookie(r, name)
	if err != nil {
		return ""
	}
	h.setCookie(w, r, name, "", -1)
	b, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil {
		return ""
	}
	return string(b)
}
