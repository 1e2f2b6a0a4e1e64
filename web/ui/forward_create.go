package ui

import (
	"fmt"
	"net/http"
	"strings"

	"frontdesk/desk"
	"frontdesk/web/auth"
)

// handleUIForward forwards a message of the ticket, with its files, to
// the addresses of the message's forward form. Refused, the page shows
// again with the reason and the form as it was.
func (h *Handlers) handleUIForward(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	form := replyForm{ForwardMessage: r.PostForm.Get("message_id"), ForwardTo: r.PostForm.Get("to"), ForwardText: r.PostForm.Get("text")}
	key, err := formKey(r, "forward_key", "forward")
	if err != nil {
		h.uiError(w, r, err)
		return
	}
	m, err := h.Desk.Forward(r.Context(), id, desk.Forwarding{To: splitAddresses(form.ForwardTo), Text: form.ForwardText,
		MessageID: form.ForwardMessage, By: auth.Caller(r).Name, Key: "ui:" + key + ":" + form.ForwardMessage})
	if err != nil {
		if status, ok := h.formStatus(w, r, err); ok {
			h.showTicket(w, r, status, form, "Not forwarded: "+fieldReason(err))
		}
		return
	}
	h.seeOther(w, r, "/tickets/"+id, fmt.Sprintf("Message forwarded to %s.", strings.Join(m.To, ", ")))
}
