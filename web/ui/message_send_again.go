package ui

import (
	"net/http"

	"frontdesk/ticket"
	"frontdesk/web/auth"
)

func init() { uiFuncs["sendAgain"] = sendAgainButton }

// sendAgainView is the "Send again" button of an outbound message.
type sendAgainView struct {
	TicketID, MessageID, CSRF string
	// Unknown: nobody knows whether it arrived; the button asks first.
	Unknown bool
}

// sendAgainButton is the button of m on ticket id: only for an outbound
// message whose send ended failed or unknown, nil otherwise.
func sendAgainButton(id string, m messageView, csrf string) *sendAgainView {
	if m.Direction != ticket.DirectionOut || (m.Delivery != ticket.DeliveryFailed && m.Delivery != ticket.DeliveryUnknown) {
		return nil
	}
	return &sendAgainView{TicketID: id, MessageID: m.ID, CSRF: csrf, Unknown: m.Delivery == ticket.DeliveryUnknown}
}

// handleUISendAgain sends a failed or unknown message again, once: a
// second click while it is on its way changes nothing.
func (h *Handlers) handleUISendAgain(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	again, err := h.Desk.SendAgain(r.Context(), id, r.PathValue("message"), auth.Caller(r).Name)
	if err != nil {
		h.uiError(w, r, err)
		return
	}
	notice := "The message goes out again."
	if !again {
		notice = "The message is on its way already."
	}
	back := "/tickets/" + id
	if r.FormValue("back") == "outbox" {
		back = "/outbox"
	}
	h.seeOther(w, r, back, notice)
}
