package api

import (
	"fmt"
	"net/http"
	"time"

	"frontdesk/fault"
	"frontdesk/web/auth"
	"frontdesk/web/httperr"
)

type snoozeRequest struct {
	Until string `json:"until"`
}

// handleTicketSnooze sets a ticket aside until {"until": RFC 3339}: pending
// until then, then at the head of its queue (desk.Snooze); 200 with the
// ticket.
func (h *Handlers) handleTicketSnooze(w http.ResponseWriter, r *http.Request) {
	var in snoozeRequest
	if err := decodeJSON(w, r, &in); err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	until, err := timeField("until", in.Until)
	if err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	if err := h.Desk.Snooze(r.Context(), r.PathValue("id"), until, auth.Caller(r).Name); err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	h.writeTicket(w, r, r.PathValue("id"))
}

// timeField reads a request's time field: RFC 3339 with its offset, or
// fault.ErrInvalid naming the field.
func timeField(name, v string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: %s %q: must be a time like 2026-12-01T09:00:00+01:00", fault.ErrInvalid, name, v)
	}
	return t, nil
}
