package calendar

import (
	"bytes"
	"errors"
	"fmt"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-ical"
)

// iTIP (RFC 5546) by mail (iMIP, RFC 6047): an invitation goes out as a
// METHOD:REQUEST calendar, the attendee's calendar app answers with a
// METHOD:REPLY naming the event by its UID and the attendee's PARTSTAT, or
// proposes another time with METHOD:COUNTER.

// Methods of iTIP messages (RFC 5546 §1.4).
const (
	MethodRequest = "REQUEST"
	MethodReply   = "REPLY"
	MethodCounter = "COUNTER"
)

// Answers an attendee gives in a REPLY (PARTSTAT, RFC 5545 §3.2.12).
const (
	PartstatAccepted  = "ACCEPTED"
	PartstatDeclined  = "DECLINED"
	PartstatTentative = "TENTATIVE"
)

// Invitation is one appointment sent to one attendee.
type Invitation struct {
	// UID names the event for good (RFC 5545 §3.8.4.7): a resend of the
	// same invitation carries the same UID, so that the attendee's calendar
	// updates the event rather than adding another.
	UID         string
	Sequence    int
	Start, End  time.Time
	Title       string
	Location    string
	Description string
	// Organizer and Attendee are mail addresses, bare or named
	// ("Support <support@example.com>").
	Organizer, Attendee string
}

// Request writes inv as an iTIP REQUEST (RFC 5546 §3.2.2) stamped at now:
// one VEVENT with UID, DTSTAMP, SEQUENCE, ORGANIZER and one ATTENDEE who is
// asked to answer (RSVP=TRUE, PARTSTAT=NEEDS-ACTION). Times are written in
// UTC ("…Z"): every calendar app shows them in its own zone, and a single
// appointment needs no VTIMEZONE, whose Windows and IANA names Outlook and
// the rest read differently.
func Request(inv Invitation, now time.Time) ([]byte, error) {
	org, err := mail.ParseAddress(inv.Organizer)
	if err != nil {
		return nil, fmt.Errorf("invitation %s: organizer %q: %w", inv.UID, inv.Organizer, err)
	}
	att, err := mail.ParseAddress(inv.Attendee)
	if err != nil {
		return nil, fmt.Errorf("invitation %s: attendee %q: %w", inv.UID, inv.Attendee, err)
	}
	cal := ical.NewCalendar()
	cal.Props.SetText(ical.PropVersion, "2.0")
	cal.Props.SetText(ical.PropProductID, prodID)
	cal.Props.SetText(ical.PropCalendarScale, "GREGORIAN")
	cal.Props.SetText(ical.PropMethod, MethodRequest)
	ev := ical.NewEvent()
	ev.Props.SetText(ical.PropUID, inv.UID)
	ev.Props.SetDateTime(ical.PropDateTimeStamp, now.UTC())
	ev.Props.SetDateTime(ical.PropDateTimeStart, inv.Start.UTC())
	ev.Props.SetDateTime(ical.PropDateTimeEnd, inv.End.UTC())
	seq := ical.NewProp(ical.PropSequence)
	seq.Value = strconv.Itoa(inv.Sequence)
	ev.Props.Set(seq)
	ev.Props.SetText(ical.PropSummary, inv.Title)
	if inv.Location != "" {
		ev.Props.SetText(ical.PropLocation, inv.Location)
	}
	if inv.Description != "" {
		ev.Props.SetText(ical.PropDescription, inv.Description)
	}
	ev.Props.SetText(ical.PropStatus, "CONFIRMED")
	ev.Props.SetText(ical.PropTransparency, "OPAQUE")
	ev.Props.Set(person(ical.PropOrganizer, org))
	a := person(ical.PropAttendee, att)
	a.Params.Set(ical.ParamRole, "REQ-PARTICIPANT")
	a.Params.Set(ical.ParamParticipationStatus, "NEEDS-ACTION")
	a.Params.Set(ical.ParamRSVP, "TRUE")
	a.Params.Set(ical.ParamCalendarUserType, "INDIVIDUAL")
	ev.Props.Set(a)
	cal.Children = append(cal.Children, ev.Component)
	var buf bytes.Buffer
	if err := ical.NewEncoder(&buf).Encode(cal); err != nil {
		return nil, fmt.Errorf("write invitation %s: %w", inv.UID, err)
	}
	return buf.Bytes(), nil
}

// person is an ORGANIZER or ATTENDEE property: a mailto: URI with the
// person's name as CN.
func person(name string, a *mail.Address) *ical.Prop {
	p := ical.NewProp(name)
	p.SetValueType(ical.ValueCalendarAddress)
	p.Value = "mailto:" + a.Address
	if n := strings.TrimSpace(a.Name); n != "" {
		p.Params.Set(ical.ParamCommonName, n)
	}
	return p
}

// Answer is what an attendee's calendar app sent back: a REPLY or a COUNTER.
type Answer struct {
	Method string // MethodReply or MethodCounter
	UID    string
	// Attendee is the address (lower-cased, without "mailto:") of the
	// attendee who answers; Partstat their answer (upper-case), for a
	// REPLY.
	Attendee, Partstat string
	// Stamp is the answer's DTSTAMP: of two answers, the later counts
	// (RFC 5546 §2.1.5). Zero when it was missing.
	Stamp    time.Time
	Sequence int
	// Start and End are the time an attendee proposes (COUNTER), or the
	// event's as the REPLY repeats them; zero when absent or unreadable.
	Start, End time.Time
	// Comment is what the attendee wrote with the answer (COMMENT).
	Comment string
	Summary string
}

// maxCalendar bounds the calendar data read from one mail part: an iTIP
// answer is a few kilobytes; Outlook's with VTIMEZONEs, under 20.
const maxCalendar = 256 << 10

// ErrNotAnswer is returned by ReadAnswer for calendar data that is not an
// iTIP REPLY or COUNTER with a VEVENT, UID and attendee.
var ErrNotAnswer = errors.New("not an iTIP answer")

// ReadAnswer reads an iTIP REPLY or COUNTER (RFC 5546 §3.2.3, §3.2.7) from
// calendar data. Anything else — a REQUEST, a PUBLISH, data that does not
// parse, more than maxCalendar bytes — is an error wrapping ErrNotAnswer.
// A REPLY must name exactly one attendee (RFC 5546 §3.2.3); its PARTSTAT is
// returned as written.
func ReadAnswer(data []byte) (*Answer, error) {
	if len(data) > maxCalendar {
		return nil, fmt.Errorf("%w: %d bytes of calendar data", ErrNotAnswer, len(data))
	}
	cal, err := decode(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotAnswer, err)
	}
	method, _ := cal.Props.Text(ical.PropMethod)
	method = strings.ToUpper(strings.TrimSpace(method))
	if method != MethodReply && method != MethodCounter {
		return nil, fmt.Errorf("%w: method %q", ErrNotAnswer, method)
	}
	events := cal.Events()
	if len(events) == 0 {
		return nil, fmt.Errorf("%w: no VEVENT", ErrNotAnswer)
	}
	ev := events[0]
	a := &Answer{Method: method}
	a.UID, _ = ev.Props.Text(ical.PropUID)
	a.UID = strings.TrimSpace(a.UID)
	if a.UID == "" || len(a.UID) > 500 {
		return nil, fmt.Errorf("%w: no UID", ErrNotAnswer)
	}
	atts := ev.Props.Values(ical.PropAttendee)
	if len(atts) == 0 {
		return nil, fmt.Errorf("%w: no ATTENDEE", ErrNotAnswer)
	}
	a.Attendee = calAddress(atts[0].Value)
	a.Partstat = strings.ToUpper(strings.TrimSpace(atts[0].Params.Get(ical.ParamParticipationStatus)))
	if p := ev.Props.Get(ical.PropDateTimeStamp); p != nil {
		a.Stamp, _ = p.DateTime(time.UTC)
	}
	if p := ev.Props.Get(ical.PropSequence); p != nil {
		a.Sequence, _ = p.Int()
	}
	a.Start = readTime(ev.Props.Get(ical.PropDateTimeStart))
	a.End = readTime(ev.Props.Get(ical.PropDateTimeEnd))
	if a.End.IsZero() && !a.Start.IsZero() {
		if p := ev.Props.Get(ical.PropDuration); p != nil {
			if d, err := p.Duration(); err == nil {
				a.End = a.Start.Add(d)
			}
		}
	}
	a.Comment, _ = ev.Props.Text(ical.PropComment)
	a.Summary, _ = ev.Props.Text(ical.PropSummary)
	if method == MethodReply && a.Partstat == "" {
		return nil, fmt.Errorf("%w: REPLY without PARTSTAT", ErrNotAnswer)
	}
	return a, nil
}

// decode decodes calendar data. go-ical's decoder panics on some malformed
// content lines (a parameter without a value at the end of a line, "0;0=",
// found by FuzzReadAnswer); the data comes from strangers' mail, so such a
// panic is an error here, not a crash of intake.
func decode(data []byte) (cal *ical.Calendar, err error) {
	defer func() {
		if r := recover(); r != nil {
			cal, err = nil, fmt.Errorf("malformed calendar data: %v", r)
		}
	}()
	return ical.NewDecoder(bytes.NewReader(data)).Decode()
}

// calAddress is the mail address of a cal-address ("mailto:Ann@Example.org"
// → "ann@example.org").
func calAddress(v string) string {
	v = strings.TrimSpace(v)
	if len(v) > 7 && strings.EqualFold(v[:7], "mailto:") {
		v = v[7:]
	}
	return strings.ToLower(v)
}

// windowsZones maps the Windows time zone names Outlook writes in TZID to
// IANA names, for the zones frontdesk's users are most likely in.
var windowsZones = map[string]string{
	"W. Europe Standard Time": "Europe/Berlin", "Romance Standard Time": "Europe/Paris",
	"Central Europe Standard Time": "Europe/Budapest", "Central European Standard Time": "Europe/Warsaw",
	"GMT Standard Time": "Europe/London", "Greenwich Standard Time": "Atlantic/Reykjavik",
	"E. Europe Standard Time": "Europe/Chisinau", "FLE Standard Time": "Europe/Kiev",
	"Eastern Standard Time": "America/New_York", "Central Standard Time": "America/Chicago",
	"Mountain Standard Time": "America/Denver", "Pacific Standard Time": "America/Los_Angeles",
	"UTC": "UTC", "Coordinated Universal Time": "UTC",
}

// readTime reads a DTSTART or DTEND: UTC, floating (read as UTC), or in a
// TZID given by its IANA name or by Outlook's Windows name. Zero when
// absent or unreadable.
func readTime(p *ical.Prop) time.Time {
	if p == nil {
		return time.Time{}
	}
	if tz := p.Params.Get(ical.ParamTimezoneID); tz != "" {
		tz = strings.Trim(tz, `"`)
		if iana, ok := windowsZones[tz]; ok {
			tz = iana
		}
		loc, err := time.LoadLocation(tz)
		if err != nil {
			loc = time.UTC
		}
		q := *p
		q.Params = ical.Params{}
		for k, v := range p.Params {
			if k != ical.ParamTimezoneID {
				q.Params[k] = v
			}
		}
		t, err := q.DateTime(loc)
		if err != nil {
			return time.Time{}
		}
		return t
	}
	t, err := p.DateTime(time.UTC)
	if err != nil {
		return time.Time{}
	}
	return t
}
