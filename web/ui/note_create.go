package ui

import (
	"fmt"
	"net/http"
	"strings"

	"frontdesk/desk"
	"frontdesk/fault"
	"frontdesk/web/auth"
)

// handleUINote adds the note box's text to the ticket, for colleagues; an
// @name of a user puts the ticket on their mentions. The form's note_key
// makes it idempotent, as the reply form's does.
func (h *Handlers) handleUINote(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	text := strings.TrimSpace(r.PostForm.Get("text"))
	if text == "" {
		h.uiError(w, r, fmt.Errorf("%w: the note is empty", fault.ErrInvalid))
		return
	}
	key, err := formKey(r, "note_key", "note")
	if err != nil {
		h.uiError(w, r, err)
		return
	}
	if _, err := h.Desk.Note(r.Context(), id, desk.Answer{Text: text, By: auth.Caller(r).Name, Key: "ui:" + key}); err != nil {
		h.uiError(w, r, err)
		return
	}
	h.seeOther(w, r, "/tickets/"+id, "Note added.")
}
