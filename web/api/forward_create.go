package api

import (
	"net/http"

	"frontdesk/desk"
	"frontdesk/web/auth"
	"frontdesk/web/httperr"
)

type forwardRequest struct {
	To        []string `json:"to"`
	Text      string   `json:"text"`
	MessageID string   `json:"message_id"`
}

// handleForwardCreate forwards a message of the ticket, with its files, to
// a third party by mail (desk.Forward): 202 with the stored forward, queued
// for the responders like a reply. The third party's answer threads back
// onto the ticket. An Idempotency-Key header makes a retried request one
// forward.
func (h *Handlers) handleForwardCreate(w http.ResponseWriter, r *http.Request) {
	var in forwardRequest
	if err := decodeJSON(w, r, &in); err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	m, err := h.Desk.Forward(r.Context(), r.PathValue("id"), desk.Forwarding{
		To: in.To, Text: in.Text, MessageID: in.MessageID, By: auth.Caller(r).Name, Key: r.Header.Get("Idempotency-Key"),
	})
	if err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	writeJSON(w, http.StatusAccepted, apiMessage(m))
}
