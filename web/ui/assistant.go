package ui

import (
	"net/http"

	"frontdesk/web/auth"
)

// uiAssistantRoutes are the pages every signed-in user works with: the
// queues, take next, my tickets, the ticket list and a ticket with its forms.
func (h *Handlers) uiAssistantRoutes() []auth.Route {
	return []auth.Route{
		{Method: "GET", Path: "/{$}", Roles: auth.Staff, Handler: h.handleQueuesPage},
		{Method: "GET", Path: "/queues/board", Roles: auth.Staff, Handler: h.handleQueueBoard},
		{Method: "POST", Path: "/take-next", Roles: auth.Staff, Handler: h.handleTakeNext},
		{Method: "POST", Path: "/queues/{queue}/next", Roles: auth.Staff, Handler: h.handleTakeNext},
		{Method: "GET", Path: "/mine", Roles: auth.Staff, Handler: h.handleMinePage},
		{Method: "GET", Path: "/tickets", Roles: auth.Staff, Handler: h.handleTicketsPage},
		{Method: "GET", Path: "/tickets/{id}", Roles: auth.Staff, Handler: h.handleTicketPage},
		{Method: "GET", Path: "/tickets/{id}/messages/{message}/body", Roles: auth.Staff, Handler: h.handleMessageBody},
		{Method: "GET", Path: "/tickets/{id}/attachments/{attachment}", Roles: auth.Staff, Handler: h.handleUIAttachment},
		{Method: "POST", Path: "/tickets/{id}/reply", Roles: auth.Staff, Handler: h.handleUIReply},
		{Method: "POST", Path: "/tickets/{id}/take", Roles: auth.Staff, Handler: h.handleUITake},
		{Method: "POST", Path: "/tickets/{id}/release", Roles: auth.Staff, Handler: h.handleUIRelease},
		{Method: "POST", Path: "/tickets/{id}/assign", Roles: auth.Staff, Handler: h.handleUIAssign},
		{Method: "POST", Path: "/tickets/{id}/status", Roles: auth.Staff, Handler: h.handleUIStatus},
		{Method: "POST", Path: "/me/away", Roles: auth.Staff, Handler: h.handleUIAway},
	}
}

// handleUIAway marks the caller away (away=1) or back: routing assigns no
// tickets to someone away.
func (h *Handlers) handleUIAway(w http.ResponseWriter, r *http.Request) {
	away := r.PostForm.Get("away") == "1"
	if err := h.Accounts.SetAway(r.Context(), auth.Caller(r).Name, away); err != nil {
		h.uiError(w, r, err)
		return
	}
	notice := "You are available: routing may assign you tickets."
	if away {
		notice = "You are away: routing assigns you no tickets until you are back."
	}
	back := localPath(r.PostForm.Get("back"))
	if back == "" {
		back = "/"
	}
	h.seeOther(w, r, back, notice)
}
