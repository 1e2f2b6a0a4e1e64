package api

import (
	"net/http"

	"frontdesk/desk"
	"frontdesk/web/auth"
	"frontdesk/web/httperr"
)

type noteRequest struct {
	Text string `json:"text"`
}

// handleNoteCreate adds a note to a ticket: a message with direction
// "internal", for colleagues, never sent to anyone (desk.Note); 201 with it.
// An Idempotency-Key header makes a retried request one note.
func (h *Handlers) handleNoteCreate(w http.ResponseWriter, r *http.Request) {
	var in noteRequest
	if err := decodeJSON(w, r, &in); err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	m, err := h.Desk.Note(r.Context(), r.PathValue("id"), desk.Answer{
		Text: in.Text, By: auth.Caller(r).Name, Key: r.Header.Get("Idempotency-Key"),
	})
	if err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	writeJSON(w, http.StatusCreated, apiMessage(m))
}
