package ui

import (
	"fmt"
	"net/http"
	"strings"

	"frontdesk/desk"
	"frontdesk/fault"
	"frontdesk/web/auth"
)

// handleUIReply queues the reply box's text to the customer ("send", or
// "send and close" with close=1). The form's reply_key makes it idempotent: a
// form sent twice (a double click, a reload) stores one reply.
func (h *Handlers) handleUIReply(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	text := strings.TrimSpace(r.PostForm.Get("text"))
	if text == "" {
		h.uiError(w, r, fmt.Errorf("%w: the reply is empty", fault.ErrInvalid))
		return
	}
	key := r.PostForm.Get("reply_key")
	if len(key) < 16 || len(key) > 100 || strings.ContainsFunc(key, func(c rune) bool { return c <= ' ' || c > '~' }) {
		h.uiError(w, r, fmt.Errorf("%w: the reply form is incomplete; reload the page", fault.ErrInvalid))
		return
	}
	closeIt := r.PostForm.Get("close") == "1"
	m, err := h.Desk.Reply(r.Context(), id, desk.Answer{Text: text, Close: closeIt, By: auth.Caller(r).Name, Key: "ui:" + key})
	if err != nil {
		h.uiError(w, r, err)
		return
	}
	notice := fmt.Sprintf("Reply queued to %s.", strings.Join(m.To, ", "))
	if closeIt {
		notice = fmt.Sprintf("Reply queued to %s and ticket #%s closed.", strings.Join(m.To, ", "), id)
	}
	h.seeOther(w, r, "/tickets/"+id, notice)
}
