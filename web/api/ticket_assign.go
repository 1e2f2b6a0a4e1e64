package api

import (
	"net/http"

	"frontdesk/web/auth"
	"frontdesk/web/httperr"
)

type assignRequest struct {
	Assignee string `json:"assignee"`
}

// handleTicketAssign gives a ticket to a user for good (no lease), taking it
// out of its queue: assigning, or handing it over. The assignee must be a
// user.
func (h *Handlers) handleTicketAssign(w http.ResponseWriter, r *http.Request) {
	var in assignRequest
	if err := decodeJSON(w, r, &in); err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	if err := h.Desk.Assign(r.Context(), r.PathValue("id"), in.Assignee, auth.Caller(r).Name); err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	h.writeTicket(w, r, r.PathValue("id"))
}

// writeTicket answers 200 with a ticket as it now is: what a change leaves.
func (h *Handlers) writeTicket(w http.ResponseWriter, r *http.Request, id string) {
	t, err := h.Tickets.Get(r.Context(), id)
	if err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	writeJSON(w, http.StatusOK, apiTicket(*t))
}
