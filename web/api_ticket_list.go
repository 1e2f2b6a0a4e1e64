package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"frontdesk/fault"
	"frontdesk/ticket"
	"frontdesk/web/httperr"
)

// ticketPage is the answer of GET /api/v1/tickets.
type ticketPage struct {
	Tickets    []ticket.Ticket `json:"tickets"`     // without messages and events
	NextCursor string          `json:"next_cursor"` // empty on the last page
}

// handleTicketList lists tickets newest first, filtered by queue, status,
// channel and assignee, one page of ?limit= (1-200, default 50) at a time;
// ?cursor= takes the next_cursor of the page before.
func (s *Server) handleTicketList(w http.ResponseWriter, r *http.Request) {
	f, err := listFilter(r.URL.Query())
	if err != nil {
		httperr.Write(w, r, s.logger, err)
		return
	}
	page, err := s.tickets.List(r.Context(), f)
	if err != nil {
		httperr.Write(w, r, s.logger, err)
		return
	}
	out := ticketPage{Tickets: make([]ticket.Ticket, len(page.Tickets)), NextCursor: page.NextCursor}
	for i, t := range page.Tickets {
		out.Tickets[i] = apiTicket(t)
	}
	writeJSON(w, http.StatusOK, out)
}

// listFilter reads the query of GET /api/v1/tickets.
func listFilter(q url.Values) (ticket.ListFilter, error) {
	f := ticket.ListFilter{
		Queue:    q.Get("queue"),
		Status:   ticket.Status(q.Get("status")),
		Channel:  ticket.Channel(q.Get("channel")),
		Assignee: q.Get("assignee"),
		Cursor:   q.Get("cursor"),
	}
	if err := validStatus(f.Status, true); err != nil {
		return f, err
	}
	switch f.Channel {
	case "", ticket.ChannelEmail, ticket.ChannelVoice, ticket.ChannelSMS, ticket.ChannelFax:
	default:
		return f, fmt.Errorf("%w: channel %q: must be email, voice, sms or fax", fault.ErrInvalid, f.Channel)
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			return f, fmt.Errorf("%w: limit %q: must be a number from 1 to 200", fault.ErrInvalid, v)
		}
		f.Limit = n
	}
	if c := f.Cursor; c != "" {
		if len(c) > 20 || !isDigits(c) {
			return f, fmt.Errorf("%w: cursor %q: use the next_cursor of the page before", fault.ErrInvalid, c)
		}
	}
	return f, nil
}

// validStatus checks a status from a request; empty is allowed when
// emptyOK (a filter that matches every status).
func validStatus(st ticket.Status, emptyOK bool) error {
	switch st {
	case ticket.StatusNew, ticket.StatusOpen, ticket.StatusPending, ticket.StatusClosed:
		return nil
	case "":
		if emptyOK {
			return nil
		}
	}
	return fmt.Errorf("%w: status %q: must be new, open, pending or closed", fault.ErrInvalid, st)
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}
