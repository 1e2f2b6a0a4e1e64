package api

import (
	"net/http"

	"frontdesk/desk"
	"frontdesk/web/auth"
	"frontdesk/web/httperr"
)

type replyRequest struct {
	Text  string `json:"text"`
	Close bool   `json:"close"`
}

// handleReplyCreate queues a reply to the customer on the ticket's channel
// (desk.Reply): 202 with the stored outbound message, queued for the
// responders; the ticket is pending, or closed when the request says close.
// A reply that could not be delivered (no address, no way to send on that
// channel) is refused with 409 and the reason, and nothing is stored.
//
// A request with an Idempotency-Key header stores its reply once: a client
// that retries with the same key (the same caller, the same ticket) gets the
// first reply back.
func (h *Handlers) handleReplyCreate(w http.ResponseWriter, r *http.Request) {
	var in replyRequest
	if err := decodeJSON(w, r, &in); err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	m, err := h.Desk.Reply(r.Context(), r.PathValue("id"), desk.Answer{
		Text: in.Text, Close: in.Close, By: auth.Caller(r).Name, Key: r.Header.Get("Idempotency-Key"),
	})
	if err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	writeJSON(w, http.StatusAccepted, apiMessage(m))
}
