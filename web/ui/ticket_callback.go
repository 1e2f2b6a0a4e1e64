package ui

import (
	"fmt"
	"net/http"
	"time"

	"frontdesk/fault"
	"frontdesk/web/auth"
)

// handleUICallback plans a call-back at the form's date and time, read in
// the browser's timezone (as the snooze form's), with its note.
func (h *Handlers) handleUICallback(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	at, err := time.ParseInLocation("2006-01-02T15:04", r.PostForm.Get("at"), browserZone(r.PostForm.Get("tz")))
	if err != nil {
		h.uiError(w, r, fmt.Errorf("%w: choose when to call back", fault.ErrInvalid))
		return
	}
	if err := h.Desk.PlanCallback(r.Context(), id, at, r.PostForm.Get("note"), auth.Caller(r).Name); err != nil {
		h.uiError(w, r, err)
		return
	}
	h.seeOther(w, r, "/tickets/"+id, fmt.Sprintf("Call-back planned for %s.", at.Format("Mon 2 Jan 15:04 MST")))
}

// handleUICallbackCancel cancels the ticket's planned call-back.
func (h *Handlers) handleUICallbackCancel(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := h.Desk.CancelCallback(r.Context(), id, auth.Caller(r).Name); err != nil {
		h.uiError(w, r, err)
		return
	}
	h.seeOther(w, r, "/tickets/"+id, "Call-back cancelled.")
}
