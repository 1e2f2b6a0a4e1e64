package ui

import (
	"net/http"
	"slices"
	"strings"

	"frontdesk/ticket"
	"frontdesk/web/auth"
)

// handleUICannedInsert is the canned reply picker without the script: the
// page again, with the chosen canned reply, filled in, added to the text
// typed so far (the script inserts it in place instead).
func (h *Handlers) handleUICannedInsert(w http.ResponseWriter, r *http.Request) {
	form := replyForm{Text: r.PostForm.Get("text"), Cc: r.PostForm.Get("cc"), Bcc: r.PostForm.Get("bcc")}
	t, err := h.Tickets.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		h.uiError(w, r, err)
		return
	}
	canned, err := h.Desk.CannedFor(r.Context(), t, auth.Caller(r).Name)
	if err != nil {
		h.uiError(w, r, err)
		return
	}
	name := r.PostForm.Get("canned")
	i := slices.IndexFunc(canned, func(c ticket.CannedReply) bool { return c.Name == name })
	if i < 0 {
		h.showTicket(w, r, http.StatusBadRequest, form, "Choose a canned reply to insert.")
		return
	}
	if strings.TrimSpace(form.Text) != "" {
		form.Text = strings.TrimRight(form.Text, " \r\n") + "\n\n"
	}
	form.Text += canned[i].Text
	h.showTicket(w, r, http.StatusOK, form, "")
}
