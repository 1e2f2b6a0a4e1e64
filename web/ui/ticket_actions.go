package ui

import (
	"fmt"
	"net/http"
	"strings"

	"frontdesk/fault"
	"frontdesk/ticket"
	"frontdesk/web/auth"
	"frontdesk/web/desk"
)

// The ticket page's forms. Each acts as the signed-in user and answers with
// a redirect and a notice: back to the ticket, or to the queues when the
// ticket has left the user's hands.

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
	if len(key) < 16 || len(key) > desk.MaxIdempotencyKey || strings.ContainsFunc(key, func(c rune) bool { return c <= ' ' || c > '~' }) {
		h.uiError(w, r, fmt.Errorf("%w: the reply form is incomplete; reload the page", fault.ErrInvalid))
		return
	}
	me := auth.Caller(r).Name
	closeIt := r.PostForm.Get("close") == "1"
	m, err := h.QueueReply(r.Context(), id, "reply:"+id+":"+me+":ui:"+key, text, me, closeIt)
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

// handleUITake makes a ticket the caller's (from its queue, or from whoever
// had it).
func (h *Handlers) handleUITake(w http.ResponseWriter, r *http.Request) {
	id, me := r.PathValue("id"), auth.Caller(r).Name
	if err := h.Tickets.Assign(r.Context(), id, me, me); err != nil {
		h.uiError(w, r, err)
		return
	}
	h.seeOther(w, r, "/tickets/"+id, "Ticket #"+id+" is yours.")
}

// handleUIRelease puts a ticket back in its queue for someone else.
func (h *Handlers) handleUIRelease(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := h.Tickets.Release(r.Context(), id, auth.Caller(r).Name); err != nil {
		h.uiError(w, r, err)
		return
	}
	h.seeOther(w, r, "/", "Ticket #"+id+" is back in its queue.")
}

// handleUIAssign hands a ticket to another user.
func (h *Handlers) handleUIAssign(w http.ResponseWriter, r *http.Request) {
	id, to := r.PathValue("id"), strings.TrimSpace(r.PostForm.Get("assignee"))
	if err := h.CheckAssignee(r.Context(), to); err != nil {
		h.uiError(w, r, err)
		return
	}
	if err := h.Tickets.Assign(r.Context(), id, to, auth.Caller(r).Name); err != nil {
		h.uiError(w, r, err)
		return
	}
	h.seeOther(w, r, "/tickets/"+id, "Ticket #"+id+" handed to "+to+".")
}

// handleUIStatus changes a ticket's status: close, reopen, or wait for the
// customer.
func (h *Handlers) handleUIStatus(w http.ResponseWriter, r *http.Request) {
	id, st := r.PathValue("id"), ticket.Status(r.PostForm.Get("status"))
	if err := desk.ValidStatus(st, false); err != nil {
		h.uiError(w, r, err)
		return
	}
	if err := h.Tickets.SetStatus(r.Context(), id, st, auth.Caller(r).Name); err != nil {
		h.uiError(w, r, err)
		return
	}
	if st == ticket.StatusNew {
		h.seeOther(w, r, "/", fmt.Sprintf("Ticket #%s is back in its queue.", id))
		return
	}
	h.seeOther(w, r, "/tickets/"+id, fmt.Sprintf("Ticket #%s is %s.", id, st))
}
