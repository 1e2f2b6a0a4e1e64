// Package calendar writes the desk's appointments and call-backs as an
// iCalendar feed (RFC 5545), which calendar apps — Outlook, Google Calendar,
// Apple Calendar — subscribe to by its address. It stands on
// github.com/emersion/go-ical for the format.
package calendar

import (
	"fmt"
	"io"
	"net/url"
	"time"

	"github.com/emersion/go-ical"
)

// Event is one entry of the feed.
type Event struct {
	// UID names the event for good: the same call-back keeps its UID when
	// the feed is fetched again, so that calendar apps update it rather
	// than add another.
	UID         string
	Start, End  time.Time
	Summary     string
	Description string
	Location    string
	// URL is the ticket's page.
	URL string
	// Cancelled marks an event that will not take place (a declined
	// appointment), so that apps show it struck through.
	Cancelled bool
	// Tentative marks an appointment not confirmed yet (an invitation
	// waiting for the customer's answer, or answered "maybe"): STATUS
	// TENTATIVE instead of CONFIRMED.
	Tentative bool
}

// prodID names frontdesk as the feed's maker.
const prodID = "-//frontdesk//frontdesk calendar//EN"

// Write writes a feed named name (what apps show as the calendar's name)
// holding events, stamped at now.
func Write(w io.Writer, name string, events []Event, now time.Time) error {
	cal := ical.NewCalendar()
	cal.Props.SetText(ical.PropVersion, "2.0")
	cal.Props.SetText(ical.PropProductID, prodID)
	cal.Props.SetText(ical.PropMethod, "PUBLISH")
	cal.Props.SetText("X-WR-CALNAME", name)
	cal.Props.SetText("X-PUBLISHED-TTL", "PT15M")
	for _, e := range events {
		ev := ical.NewEvent()
		ev.Props.SetText(ical.PropUID, e.UID)
		ev.Props.SetDateTime(ical.PropDateTimeStamp, now.UTC())
		ev.Props.SetDateTime(ical.PropDateTimeStart, e.Start.UTC())
		ev.Props.SetDateTime(ical.PropDateTimeEnd, e.End.UTC())
		ev.Props.SetText(ical.PropSummary, e.Summary)
		if e.Description != "" {
			ev.Props.SetText(ical.PropDescription, e.Description)
		}
		if e.Location != "" {
			ev.Props.SetText(ical.PropLocation, e.Location)
		}
		if e.URL != "" {
			u, err := url.Parse(e.URL)
			if err != nil {
				return fmt.Errorf("calendar event %s: url: %w", e.UID, err)
			}
			ev.Props.SetURI(ical.PropURL, u)
		}
		status := "CONFIRMED"
		switch {
		case e.Cancelled:
			status = "CANCELLED"
		case e.Tentative:
			status = "TENTATIVE"
		}
		ev.Props.SetText(ical.PropStatus, status)
		cal.Children = append(cal.Children, ev.Component)
	}
	if err := ical.NewEncoder(w).Encode(cal); err != nil {
		return fmt.Errorf("write the calendar: %w", err)
	}
	return nil
}
