package api

import (
	"net/http"

	"frontdesk/ticket"
	"frontdesk/web/auth"
	"frontdesk/web/httperr"
)

type statusRequest struct {
	Status ticket.Status `json:"status"`
}

// handleTicketStatus changes a ticket's status (new puts it back in its
// queue; closed ends its lease and SLA clock) and answers it as it now is.
func (h *Handlers) handleTicketStatus(w http.ResponseWriter, r *http.Request) {
	var in statusRequest
	if err := decodeJSON(w, r, &in); err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	if err := h.Desk.SetStatus(r.Context(), r.PathValue("id"), in.Status, auth.Caller(r).Name); err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	h.writeTicket(w, r, r.PathValue("id"))
}
