package api

import (
	"bytes"
	"net/http"
	"time"

	"frontdesk/calendar"
	"frontdesk/fault"
	"frontdesk/web/httperr"
)

// The calendar feed covers a week back and half a year ahead.
const (
	calendarBack  = 7 * 24 * time.Hour
	calendarAhead = 183 * 24 * time.Hour
)

// handleCalendarFeed answers GET /api/v1/calendar.ics?token=…: the office's
// call-backs (and appointments) as an iCalendar feed, for a calendar app
// that subscribes to the address without signing in. The token is a user's
// calendar token (GET /me shows the address); a wrong one is 401.
func (h *Handlers) handleCalendarFeed(w http.ResponseWriter, r *http.Request) {
	if _, err := h.Accounts.CalendarUser(r.Context(), r.URL.Query().Get("token")); err != nil {
		if fault.IsUnavailable(err) {
			httperr.Write(w, r, h.logger, err)
			return
		}
		httperr.Write(w, r, h.logger, httperr.ErrUnauthorized)
		return
	}
	now := time.Now()
	events, err := h.Desk.CalendarEvents(r.Context(), now.Add(-calendarBack), now.Add(calendarAhead))
	if err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	var buf bytes.Buffer
	if err := calendar.Write(&buf, "frontdesk", events, now); err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Content-Disposition", `inline; filename="frontdesk.ics"`)
	w.Header().Set("Cache-Control", "private, max-age=300")
	_, _ = buf.WriteTo(w)
}
