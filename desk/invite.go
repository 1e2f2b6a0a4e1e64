package desk

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/mail"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"frontdesk/calendar"
	"frontdesk/fault"
	"frontdesk/ticket"
)

// Invite is an appointment a reply by mail proposes to the customer: the
// mail carries it as an iCalendar REQUEST (RFC 5546), which Outlook, Gmail
// and Apple Mail show with Accept, Tentative and Decline buttons.
type Invite struct {
	Title       string
	Start, End  time.Time
	Location    string
	Description string
}

// Bounds of an invitation: what fits a calendar app's title and location
// lines, and an appointment of at most two weeks, starting within two years.
const (
	maxInviteTitle       = 200
	maxInviteLocation    = 500
	maxInviteDescription = 4000
	maxInviteLength      = 14 * 24 * time.Hour
	maxInviteAhead       = 2 * 366 * 24 * time.Hour
	// inviteGrace lets an appointment start a little in the past: the
	// assistant who writes "now" while a form sits open.
	inviteGrace = 15 * time.Minute
)

// inviteFile is the file name and content type of the calendar part of an
// invitation (RFC 6047 §2.4: text/calendar with the method as parameter).
const (
	inviteFile  = "invite.ics"
	inviteCType = "text/calendar; method=REQUEST; charset=UTF-8"
)

// check checks an invitation at now: each field is fault.ErrInvalid naming
// it ("invite.title") when it is missing, too long, holds control
// characters, or the times are the wrong way round or out of reach.
func (inv *Invite) check(now time.Time) error {
	inv.Title = strings.TrimSpace(inv.Title)
	inv.Location = strings.TrimSpace(inv.Location)
	inv.Description = strings.TrimSpace(strings.ReplaceAll(inv.Description, "\r\n", "\n"))
	line := func(field, v string, most int, required bool) error {
		switch {
		case v == "" && required:
			return fmt.Errorf("%w: invite.%s is required", fault.ErrInvalid, field)
		case !utf8.ValidString(v):
			return fmt.Errorf("%w: invite.%s is not valid UTF-8", fault.ErrInvalid, field)
		case utf8.RuneCountInString(v) > most:
			return fmt.Errorf("%w: invite.%s is longer than %d characters", fault.ErrInvalid, field, most)
		case strings.ContainsFunc(v, unicode.IsControl):
			return fmt.Errorf("%w: invite.%s holds a line break or control character", fault.ErrInvalid, field)
		}
		return nil
	}
	if err := line("title", inv.Title, maxInviteTitle, true); err != nil {
		return err
	}
	if err := line("location", inv.Location, maxInviteLocation, false); err != nil {
		return err
	}
	desc := strings.ReplaceAll(strings.ReplaceAll(inv.Description, "\n", " "), "\t", " ")
	if err := line("description", desc, maxInviteDescription, false); err != nil {
		return err
	}
	switch {
	case inv.Start.IsZero() || inv.End.IsZero():
		return fmt.Errorf("%w: invite.start and invite.end are required", fault.ErrInvalid)
	case !inv.End.After(inv.Start):
		return fmt.Errorf("%w: invite.end must be after invite.start", fault.ErrInvalid)
	case inv.End.Sub(inv.Start) > maxInviteLength:
		return fmt.Errorf("%w: an appointment may last at most 14 days", fault.ErrInvalid)
	case inv.Start.Before(now.Add(-inviteGrace)):
		return fmt.Errorf("%w: invite.start is in the past", fault.ErrInvalid)
	case inv.Start.Sub(now) > maxInviteAhead:
		return fmt.Errorf("%w: invite.start is more than two years ahead", fault.ErrInvalid)
	}
	return nil
}

// inviteUID is the UID of the invitation a reply with source key src
// carries: the same reply, sent again or retried with its idempotency key,
// names the same event, so that no calendar shows it twice. Its right-hand
// side is the organizer's domain (RFC 5545 §3.8.4.7 suggests one).
func inviteUID(src, organizer string) string {
	sum := sha256.Sum256([]byte(src))
	host := "frontdesk.invalid"
	if a, err := mail.ParseAddress(organizer); err == nil {
		if at := strings.LastIndexByte(a.Address, '@'); at >= 0 && at < len(a.Address)-1 {
			host = strings.ToLower(a.Address[at+1:])
		}
	}
	return "frontdesk-" + hex.EncodeToString(sum[:16]) + "@" + host
}

// withInvite puts a's invitation on the reply nm to t (under its source
// key, which names the invitation): the iCalendar REQUEST as a file the mail
// builder writes as the calendar part, what the invitation is in the
// message's Meta ("invite_uid" and the rest), and nm.Invitation, which the
// store records pending in the same step as the reply — a crash between two
// steps would leave an invitation sent that no answer can find. An
// invitation goes by mail only: on a text or fax it is fault.ErrInvalid.
func (d *Desk) withInvite(nm *ticket.NewMessage, t *ticket.Ticket, a Answer) error {
	if a.Invite == nil {
		return nil
	}
	inv := *a.Invite
	if err := inv.check(d.now()); err != nil {
		return err
	}
	if nm.Channel != ticket.ChannelEmail || len(nm.To) == 0 {
		how := "by text message"
		if nm.Channel == ticket.ChannelFax {
			how = "by fax"
		}
		return fmt.Errorf("%w: invite: an invitation goes by mail, and this reply goes %s", fault.ErrInvalid, how)
	}
	attendee := nm.To[0]
	if addr, err := mail.ParseAddress(attendee); err == nil && addr.Name == "" && strings.TrimSpace(t.Customer.Name) != "" {
		attendee = displayAddress(&mail.Address{Name: strings.TrimSpace(t.Customer.Name), Address: addr.Address})
	}
	ci := calendar.Invitation{
		UID: inviteUID(nm.SourceKey, nm.From), Start: inv.Start, End: inv.End,
		Title: inv.Title, Location: inv.Location, Description: inv.Description,
		Organizer: nm.From, Attendee: attendee,
	}
	ics, err := calendar.Request(ci, d.now())
	if err != nil {
		return fmt.Errorf("%w: invite: %v", fault.ErrInvalid, err)
	}
	nm.Attachments = append(nm.Attachments, ticket.NewAttachment{Filename: inviteFile, ContentType: inviteCType, Data: ics})
	if nm.Meta == nil {
		nm.Meta = map[string]string{}
	}
	nm.Meta["invite_uid"] = ci.UID
	nm.Meta["invite_title"] = ci.Title
	nm.Meta["invite_start"] = ci.Start.UTC().Format(time.RFC3339)
	nm.Meta["invite_end"] = ci.End.UTC().Format(time.RFC3339)
	nm.Meta["invite_location"] = ci.Location
	nm.Meta["invite_description"] = ci.Description
	nm.Meta["invite_organizer"] = ci.Organizer
	nm.Meta["invite_attendee"] = ci.Attendee
	nm.Meta["invite_sequence"] = strconv.Itoa(ci.Sequence)
	nm.Invitation = &ticket.Invitation{
		UID: ci.UID, Title: ci.Title, Start: ci.Start, End: ci.End, Location: ci.Location,
		Description: ci.Description, Organizer: ci.Organizer, Attendee: ci.Attendee, Sequence: ci.Sequence,
	}
	return nil
}

// appointmentEvents are the appointments sent by mail between from and to,
// for the calendar feed: accepted ones confirmed, pending and tentative ones
// tentative, declined ones left out. Each keeps its invitation's UID — it is
// the same appointment as in the customer's calendar — and links to its
// ticket.
func (d *Desk) appointmentEvents(ctx context.Context, from, to time.Time) ([]calendar.Event, error) {
	invs, err := d.store.Invitations(ctx, from, to, 500)
	if err != nil {
		return nil, fmt.Errorf("appointments for the calendar: %w", err)
	}
	var out []calendar.Event
	for _, inv := range invs {
		if inv.State == ticket.InviteDeclined {
			continue
		}
		desc := []string{}
		if inv.Description != "" {
			desc = append(desc, inv.Description)
		}
		answer := map[ticket.InviteState]string{
			ticket.InviteAccepted: "accepted", ticket.InviteTentative: "answered maybe", ticket.InvitePending: "not answered yet",
		}[inv.State]
		desc = append(desc, fmt.Sprintf("With %s (%s). Ticket #%s, invited by %s.", inv.Attendee, answer, inv.TicketID, inv.By))
		e := calendar.Event{
			UID: inv.UID, Start: inv.Start, End: inv.End, Summary: inv.Title, Location: inv.Location,
			Description: strings.Join(desc, "\n"), Tentative: inv.State != ticket.InviteAccepted,
		}
		if d.cfg.HTTP.PublicURL != "" {
			e.URL = d.cfg.HTTP.PublicURL + "/tickets/" + inv.TicketID
		}
		out = append(out, e)
	}
	return out, nil
}
