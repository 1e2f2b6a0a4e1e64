package web

import (
	"fmt"
	"net/http"
	"strings"

	"frontdesk/fault"
	"frontdesk/web/auth"
	"frontdesk/web/httperr"
)

type assignRequest struct {
	Assignee string `json:"assignee"`
}

// handleTicketAssign gives a ticket to a user for good (no lease), taking it
// out of its queue: assigning, or handing it over. The assignee must be a
// user.
func (s *Server) handleTicketAssign(w http.ResponseWriter, r *http.Request) {
	var in assignRequest
	if err := decodeJSON(w, r, &in); err != nil {
		httperr.Write(w, r, s.logger, err)
		return
	}
	in.Assignee = strings.TrimSpace(in.Assignee)
	if in.Assignee == "" {
		httperr.Write(w, r, s.logger, fmt.Errorf("%w: assignee is required", fault.ErrInvalid))
		return
	}
	if err := s.CheckAssignee(r.Context(), in.Assignee); err != nil {
		httperr.Write(w, r, s.logger, err)
		return
	}
	if err := s.Tickets.Assign(r.Context(), r.PathValue("id"), in.Assignee, auth.Caller(r).Name); err != nil {
		httperr.Write(w, r, s.logger, err)
		return
	}
	s.writeTicket(w, r, r.PathValue("id"))
}

// writeTicket answers 200 with a ticket as it now is: what a change leaves.
func (s *Server) writeTicket(w http.ResponseWriter, r *http.Request, id string) {
	t, err := s.Tickets.Get(r.Context(), id)
	if err != nil {
		httperr.Write(w, r, s.logger, err)
		return
	}
	writeJSON(w, http.StatusOK, apiTicket(*t))
}
