package ui

import (
	"net/http"

	"frontdesk/web/auth"
	"frontdesk/web/front"
)

// handleUICalendarReset gives the caller a new calendar address; the old one
// stops working.
func (h *Handlers) handleUICalendarReset(w http.ResponseWriter, r *http.Request) {
	if _, err := h.Accounts.ResetCalendarToken(r.Context(), auth.Caller(r).Name); err != nil {
		h.uiError(w, r, err)
		return
	}
	h.seeOther(w, r, "/mine#calendar", "Your calendar has a new address; the old one no longer works.")
}

// calendarURL is the caller's calendar feed address.
func (h *Handlers) calendarURL(r *http.Request) (string, error) {
	token, err := h.Accounts.CalendarToken(r.Context(), auth.Caller(r).Name)
	if err != nil {
		return "", err
	}
	return front.CalendarURL(h.Desk.Config().HTTP.PublicURL, r, token), nil
}
