package api

import (
	"net/http"

	"frontdesk/web/auth"
	"frontdesk/web/httperr"
)

type callbackRequest struct {
	At   string `json:"at"`
	Note string `json:"note"`
}

// handleCallbackPlan plans a call-back {"at": RFC 3339, "note"}: at that
// time the ticket waits at the head of its queue (desk.PlanCallback); 200
// with the ticket.
func (h *Handlers) handleCallbackPlan(w http.ResponseWriter, r *http.Request) {
	var in callbackRequest
	if err := decodeJSON(w, r, &in); err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	at, err := timeField("at", in.At)
	if err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	if err := h.Desk.PlanCallback(r.Context(), r.PathValue("id"), at, in.Note, auth.Caller(r).Name); err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	h.writeTicket(w, r, r.PathValue("id"))
}

// handleCallbackCancel cancels the call-back planned on a ticket; 200 with
// the ticket.
func (h *Handlers) handleCallbackCancel(w http.ResponseWriter, r *http.Request) {
	if err := h.Desk.CancelCallback(r.Context(), r.PathValue("id"), auth.Caller(r).Name); err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	h.writeTicket(w, r, r.PathValue("id"))
}
