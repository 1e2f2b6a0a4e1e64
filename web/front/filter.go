package front

import (
	"fmt"
	"net/url"
	"strconv"

	"frontdesk/fault"
	"frontdesk/ticket"
)

// ListFilter reads the query of a ticket list (GET /api/v1/tickets, and the
// UI's /tickets page, which takes the same parameters).
func ListFilter(q url.Values) (ticket.ListFilter, error) {
	f := ticket.ListFilter{
		Queue:    q.Get("queue"),
		Status:   ticket.Status(q.Get("status")),
		Channel:  ticket.Channel(q.Get("channel")),
		Assignee: q.Get("assignee"),
		Cursor:   q.Get("cursor"),
	}
	if err := ValidStatus(f.Status, true); err != nil {
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

// ValidStatus checks a status from a request; empty is allowed when
// emptyOK (a filter that matches every status).
func ValidStatus(st ticket.Status, emptyOK bool) error {
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
