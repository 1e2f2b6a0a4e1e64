package api

import (
	"net/http"

	"frontdesk/desk"
	"frontdesk/ticket"
	"frontdesk/web/auth"
	"frontdesk/web/httperr"
)

// updateRequest is PATCH /tickets/{id}'s body: any of the three; a field left
// out stays as it is.
type updateRequest struct {
	Queue    *string          `json:"queue"`
	Priority *ticket.Priority `json:"priority"`
	Tags     *[]string        `json:"tags"`
}

// handleTicketUpdate changes a ticket's queue, priority or tags (the whole
// new list), with a "changed" event, and answers the ticket as it now is. An
// unknown queue or priority, or a bad tag, is 400 and changes nothing.
func (h *Handlers) handleTicketUpdate(w http.ResponseWriter, r *http.Request) {
	var in updateRequest
	if err := decodeJSON(w, r, &in); err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	t, err := h.Desk.Change(r.Context(), r.PathValue("id"), desk.Change{Queue: in.Queue, Priority: in.Priority, Tags: in.Tags}, auth.Caller(r).Name)
	if err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	writeJSON(w, http.StatusOK, apiTicket(*t))
}
