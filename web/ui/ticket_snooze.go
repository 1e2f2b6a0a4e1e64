package ui

import (
	"fmt"
	"net/http"
	"time"

	"frontdesk/fault"
	"frontdesk/web/auth"
)

// handleUISnooze sets a ticket aside until the time the snooze form gives:
// a choice ("in 3 hours", "tomorrow morning", "next Monday") or a date and
// time, read in the browser's timezone (the form's tz, which the script
// fills in; UTC without it).
func (h *Handlers) handleUISnooze(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	loc := browserZone(r.PostForm.Get("tz"))
	until, err := snoozeUntil(r.PostForm.Get("preset"), r.PostForm.Get("until"), time.Now().In(loc))
	if err != nil {
		h.uiError(w, r, err)
		return
	}
	if err := h.Desk.Snooze(r.Context(), id, until, auth.Caller(r).Name); err != nil {
		h.uiError(w, r, err)
		return
	}
	h.seeOther(w, r, "/mine", fmt.Sprintf("Ticket #%s is snoozed until %s.", id, until.Format("Mon 2 Jan 15:04 MST")))
}

// browserZone is the timezone a browser named (an IANA name such as
// "Europe/Amsterdam"), or UTC when it named none or one this server does
// not know.
func browserZone(name string) *time.Location {
	if name == "" || len(name) > 64 {
		return time.UTC
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.UTC
	}
	return loc
}

// morning is when a snooze "until tomorrow" or "until Monday" ends.
const morning = 9

// snoozeUntil reads the snooze form: a preset — "3h", "tomorrow" (9:00 the
// next day), "monday" (9:00 next Monday) — or a date and time as an
// <input type="datetime-local"> sends it ("2026-12-03T09:00"), in now's
// location.
func snoozeUntil(preset, until string, now time.Time) (time.Time, error) {
	at9 := func(d time.Time) time.Time {
		return time.Date(d.Year(), d.Month(), d.Day(), morning, 0, 0, 0, d.Location())
	}
	switch preset {
	case "3h":
		return now.Add(3 * time.Hour), nil
	case "tomorrow":
		return at9(now.AddDate(0, 0, 1)), nil
	case "monday":
		days := (int(time.Monday) - int(now.Weekday()) + 7) % 7
		if days == 0 {
			days = 7
		}
		return at9(now.AddDate(0, 0, days)), nil
	case "":
	default:
		return time.Time{}, fmt.Errorf("%w: unknown snooze choice %q", fault.ErrInvalid, preset)
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, until, now.Location()); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%w: choose when the ticket should come back", fault.ErrInvalid)
}
