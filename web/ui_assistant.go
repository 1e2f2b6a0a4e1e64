package web

import (
	"net/http"

	"frontdesk/web/auth"
)

// uiAssistantRoutes are the pages every signed-in user works with: the
// queues, take next, my tickets, the ticket list and a ticket with its forms.
func (s *Server) uiAssistantRoutes() []auth.Route {
	return []auth.Route{
		{Method: "GET", Path: "/{$}", Roles: auth.Staff, Handler: s.handleQueuesPage},
		{Method: "GET", Path: "/queues/board", Roles: auth.Staff, Handler: s.handleQueueBoard},
		{Method: "POST", Path: "/take-next", Roles: auth.Staff, Handler: s.handleTakeNext},
		{Method: "POST", Path: "/queues/{queue}/next", Roles: auth.Staff, Handler: s.handleTakeNext},
		{Method: "GET", Path: "/mine", Roles: auth.Staff, Handler: s.handleMinePage},
		{Method: "GET", Path: "/tickets", Roles: auth.Staff, Handler: s.handleTicketsPage},
		{Method: "GET", Path: "/tickets/{id}", Roles: auth.Staff, Handler: s.handleTicketPage},
		{Method: "GET", Path: "/tickets/{id}/messages/{message}/body", Roles: auth.Staff, Handler: s.handleMessageBody},
		{Method: "GET", Path: "/tickets/{id}/attachments/{attachment}", Roles: auth.Staff, Handler: s.handleUIAttachment},
		{Method: "POST", Path: "/tickets/{id}/reply", Roles: auth.Staff, Handler: s.handleUIReply},
		{Method: "POST", Path: "/tickets/{id}/take", Roles: auth.Staff, Handler: s.handleUITake},
		{Method: "POST", Path: "/tickets/{id}/release", Roles: auth.Staff, Handler: s.handleUIRelease},
		{Method: "POST", Path: "/tickets/{id}/assign", Roles: auth.Staff, Handler: s.handleUIAssign},
		{Method: "POST", Path: "/tickets/{id}/status", Roles: auth.Staff, Handler: s.handleUIStatus},
		{Method: "POST", Path: "/me/away", Roles: auth.Staff, Handler: s.handleUIAway},
	}
}

// handleUIAway marks the caller away (away=1) or back: routing assigns no
// tickets to someone away.
func (s *Server) handleUIAway(w http.ResponseWriter, r *http.Request) {
	away := r.PostForm.Get("away") == "1"
	if err := s.Accounts.SetAway(r.Context(), auth.Caller(r).Name, away); err != nil {
		s.uiError(w, r, err)
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
	s.seeOther(w, r, back, notice)
}
