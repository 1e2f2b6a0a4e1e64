package api

import (
	"net/http"

	"frontdesk/web/auth"
	"frontdesk/web/httperr"
)

// handleMessageSendAgain sends an outbound message again whose send ended
// failed or unknown, and answers the ticket as it now is. A second request
// while the message is on its way sends it once (200 all the same); a
// message that was sent is 409. It takes no body.
func (h *Handlers) handleMessageSendAgain(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if _, err := h.Desk.SendAgain(r.Context(), id, r.PathValue("message_id"), auth.Caller(r).Name); err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	h.writeTicket(w, r, id)
}
