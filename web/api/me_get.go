package api

import (
	"net/http"

	"frontdesk/web/auth"
	"frontdesk/web/front"
	"frontdesk/web/httperr"
)

// me is GET /me's answer: the caller, and the address of the office's
// calendar feed with the caller's calendar token in it.
type me struct {
	auth.Principal
	CalendarURL string `json:"calendar_url"`
}

// handleMeGet answers the caller: name, role, whether they are away, and
// their calendar feed's address.
func (h *Handlers) handleMeGet(w http.ResponseWriter, r *http.Request) {
	h.writeMe(w, r, false)
}

// handleMeCalendarReset gives the caller a new calendar address; the old
// one stops working (an address that leaked is ended this way).
func (h *Handlers) handleMeCalendarReset(w http.ResponseWriter, r *http.Request) {
	h.writeMe(w, r, true)
}

func (h *Handlers) writeMe(w http.ResponseWriter, r *http.Request, reset bool) {
	caller := auth.Caller(r)
	token, err := h.Accounts.CalendarToken(r.Context(), caller.Name)
	if reset {
		token, err = h.Accounts.ResetCalendarToken(r.Context(), caller.Name)
	}
	if err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	writeJSON(w, http.StatusOK, me{Principal: caller, CalendarURL: front.CalendarURL(h.Desk.Config().HTTP.PublicURL, r, token)})
}
