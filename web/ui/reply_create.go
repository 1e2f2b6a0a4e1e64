package ui

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"frontdesk/desk"
	"frontdesk/ticket"
	"frontdesk/web/auth"
)

// handleUIReply queues the reply form's text, copies and files to the
// customer ("send", or "send and close" with close=1); with an empty text,
// the canned reply chosen in it. The form's reply_key makes it idempotent:
// a form sent twice (a double click, a reload) stores one reply. A reply
// refused for what the form says — someone else holds the ticket, it
// changed hands since the page was shown (seen), a bad address, a file too
// large — shows the page again with the reason and everything typed; when
// someone else holds the ticket, with "Send anyway" (force=1).
func (h *Handlers) handleUIReply(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	form := replyForm{Text: r.PostForm.Get("text"), Cc: r.PostForm.Get("cc"), Bcc: r.PostForm.Get("bcc")}
	key, err := formKey(r, "reply_key", "reply")
	if err != nil {
		h.uiError(w, r, err)
		return
	}
	files, err := formFiles(r, "files")
	if err != nil {
		h.uiError(w, r, err)
		return
	}
	form.FilesLost = len(files) > 0
	a := desk.Answer{Text: strings.TrimSpace(form.Text), Close: r.PostForm.Get("close") == "1", By: auth.Caller(r).Name,
		Key: "ui:" + key, Cc: splitAddresses(form.Cc), Bcc: splitAddresses(form.Bcc), Attachments: files,
		Force: r.PostForm.Get("force") == "1"}
	if a.Text == "" {
		a.Canned = strings.TrimSpace(r.PostForm.Get("canned"))
	}
	var inviteErr error
	form.Invite, a.Invite, inviteErr = readInvite(r)
	if inviteErr != nil {
		h.showTicket(w, r, http.StatusBadRequest, form, "Not sent: "+fieldReason(inviteErr))
		return
	}
	if a.Text == "" && a.Canned == "" {
		h.showTicket(w, r, http.StatusBadRequest, form, "Not sent: the reply is empty.")
		return
	}
	if seen, ok := r.PostForm["seen"]; ok && len(seen) == 1 {
		a.Seen = &seen[0]
	}
	m, err := h.Desk.Reply(r.Context(), id, a)
	if err != nil {
		status, ok := h.formStatus(w, r, err)
		if !ok {
			return
		}
		var held *desk.HeldError
		form.Held = errors.As(err, &held)
		h.showTicket(w, r, status, form, "Not sent: "+inviteWords.Replace(fieldReason(err)))
		return
	}
	to := strings.Join(append(append(append([]string{}, m.To...), m.Cc...), m.Bcc...), ", ")
	what := "Reply"
	if m.Channel == ticket.ChannelFax {
		what, to = "Fax", h.Desk.ShowPhone(m.To[0])
	}
	notice := fmt.Sprintf("%s queued to %s.", what, to)
	if a.Close {
		notice = fmt.Sprintf("%s queued to %s and ticket #%s closed.", what, to, id)
	}
	h.seeOther(w, r, "/tickets/"+id, notice)
}
