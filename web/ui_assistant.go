package web

import (
	"net/http"
)

// uiAssistantRoutes are the pages every signed-in user works with: the
// queues, take next, my tickets, the ticket list and a ticket with its forms.
func (s *Server) uiAssistantRoutes() []route {
	return []route{
		{method: "GET", path: "/{$}", roles: staff, handler: s.handleQueuesPage},
		{method: "GET", path: "/queues/board", roles: staff, handler: s.handleQueueBoard},
		{method: "POST", path: "/take-next", roles: staff, handler: s.handleTakeNext},
		{method: "POST", path: "/queues/{queue}/next", roles: staff, handler: s.handleTakeNext},
		{method: "GET", path: "/mine", roles: staff, handler: s.handleMinePage},
		{method: "GET", path: "/tickets", roles: staff, handler: s.handleTicketsPage},
		{method: "GET", path: "/tickets/{id}", roles: staff, handler: s.handleTicketPage},
		{method: "GET", path: "/tickets/{id}/messages/{message}/body", roles: staff, handler: s.handleMessageBody},
		{method: "GET", path: "/tickets/{id}/attachments/{attachment}", roles: staff, handler: s.handleUIAttachment},
		{method: "POST", path: "/tickets/{id}/reply", roles: staff, handler: s.handleUIReply},
		{method: "POST", path: "/tickets/{id}/take", roles: staff, handler: s.handleUITake},
		{method: "POST", path: "/tickets/{id}/release", roles: staff, handler: s.handleUIRelease},
		{method: "POST", path: "/tickets/{id}/assign", roles: staff, handler: s.handleUIAssign},
		{method: "POST", path: "/tickets/{id}/status", roles: staff, handler: s.handleUIStatus},
		{method: "POST", path: "/me/away", roles: staff, handler: s.handleUIAway},
	}
}

// handleUIAway marks the caller away (away=1) or back: routing assigns no
// tickets to someone away.
func (s *Server) handleUIAway(w http.ResponseWriter, r *http.Request) {
	away := r.PostForm.Get("away") == "1"
	if err := s.accounts.SetAway(r.Context(), caller(r).Name, away); err != nil {
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
