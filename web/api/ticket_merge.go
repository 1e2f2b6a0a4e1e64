package api

import (
	"net/http"

	"frontdesk/web/auth"
	"frontdesk/web/httperr"
)

type mergeRequest struct {
	Into string `json:"into"`
}

// handleTicketMerge moves every message of a ticket onto {"into": ID}
// (desk.Merge) and answers the ticket left, with them.
func (h *Handlers) handleTicketMerge(w http.ResponseWriter, r *http.Request) {
	var in mergeRequest
	if err := decodeJSON(w, r, &in); err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	left, err := h.Desk.Merge(r.Context(), r.PathValue("id"), in.Into, auth.Caller(r).Name)
	if err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	h.writeTicket(w, r, left)
}
