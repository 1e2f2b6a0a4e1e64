package desk

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"frontdesk/calendar"
	"frontdesk/internal/phone"
)

// callbackLength is how long a call-back stands in a calendar.
const callbackLength = 15 * time.Minute

// CalendarEvents returns what the office's calendar feed shows between from
// and to: the call-backs planned (and those come due, for the two days the
// store keeps them), soonest first, then the appointments sent by mail
// (appointmentEvents). Each names the customer and their number, says what
// the call is about and links to the ticket.
func (d *Desk) CalendarEvents(ctx context.Context, from, to time.Time) ([]calendar.Event, error) {
	tickets, err := d.store.Callbacks(ctx, from, to, 500)
	if err != nil {
		return nil, fmt.Errorf("call-backs for the calendar: %w", err)
	}
	host := "frontdesk"
	if u, err := url.Parse(d.cfg.HTTP.PublicURL); err == nil && u.Host != "" {
		host = u.Hostname()
	}
	var out []calendar.Event
	for _, t := range tickets {
		cb := t.Callback
		if cb == nil {
			continue
		}
		who := t.Customer.Name
		number := ""
		if t.Customer.Phone != "" {
			number = phone.Display(t.Customer.Phone, d.cfg.Tickets.PhoneRegion)
		}
		summary := "Call back " + strings.TrimSpace(strings.Join(nonEmpty(who, number), ", "))
		desc := []string{}
		if cb.Note != "" {
			desc = append(desc, cb.Note)
		}
		desc = append(desc, fmt.Sprintf("Ticket #%s: %s (planned by %s)", t.ID, t.Subject, cb.By))
		e := calendar.Event{
			UID:   fmt.Sprintf("callback-%s-%d@%s", t.ID, cb.At.UnixMilli(), host),
			Start: cb.At, End: cb.At.Add(callbackLength),
			Summary: summary, Description: strings.Join(desc, "\n"),
		}
		if d.cfg.HTTP.PublicURL != "" {
			e.URL = d.cfg.HTTP.PublicURL + "/tickets/" + t.ID
		}
		out = append(out, e)
	}
	appts, err := d.appointmentEvents(ctx, from, to)
	if err != nil {
		return nil, err
	}
	return append(out, appts...), nil
}

// nonEmpty returns the strings that are not empty.
func nonEmpty(s ...string) []string {
	var out []string
	for _, v := range s {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}
