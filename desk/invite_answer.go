package desk

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"slices"
	"strings"
	"time"

	"frontdesk/calendar"
	"frontdesk/fault"
	"frontdesk/ticket"
)

// InviteReply is a mail that carries an attendee's answer to an invitation
// (an iTIP REPLY or COUNTER, RFC 5546), as intake read it.
type InviteReply struct {
	Answer *calendar.Answer
	// From is the mail's sender address.
	From string
	// Message is the mail as intake would store it: its source key names
	// the answer, and a COUNTER goes on the ticket as this message.
	Message ticket.NewMessage
}

// maxComment bounds what of an attendee's comment an event keeps.
const maxComment = 500

// AnswerInvitation records an attendee's answer to one of the desk's
// invitations and reports whether it did; intake stores the mail as usual
// when it did not.
//
// The answer is matched by UID, and taken only from the invited attendee:
// the REPLY's ATTENDEE must be the address invited, and the mail must come
// from it or from another address of the ticket's customer. An Accept,
// Decline or Tentative is recorded on the invitation's ticket as an event
// invitation_accepted, invitation_declined or invitation_tentative
// (AnswerInvitation of the store, once per mail, the latest DTSTAMP
// winning) — never a new ticket, never acknowledged, and it does not
// reopen the ticket. A COUNTER (a proposal of another time) goes on the
// ticket as the customer's message, saying the time proposed: it wants an
// answer. An unknown UID, another attendee, or another PARTSTAT
// (DELEGATED, NEEDS-ACTION) is not recorded (false): the mail is then an
// ordinary message on its thread.
func (d *Desk) AnswerInvitation(ctx context.Context, r InviteReply) (bool, error) {
	a := r.Answer
	if a == nil {
		return false, nil
	}
	inv, err := d.store.Invitation(ctx, a.UID)
	if errors.Is(err, fault.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("find invitation %s: %w", a.UID, err)
	}
	t, err := d.store.Get(ctx, inv.TicketID)
	if err != nil {
		return false, fmt.Errorf("find the ticket of invitation %s: %w", a.UID, err)
	}
	if !d.fromAttendee(t, inv, a.Attendee, r.From) {
		d.logger.Info("invitation answer from someone not invited: kept as a message", slog.String("uid", a.UID),
			slog.String("ticket", t.ID), slog.String("from", r.From))
		return false, nil
	}
	zone := d.zone(t.Queue)
	if a.Method == calendar.MethodCounter {
		return true, d.counter(ctx, t, inv, a, r.Message, zone)
	}
	state, ok := map[string]ticket.InviteState{
		calendar.PartstatAccepted: ticket.InviteAccepted, calendar.PartstatDeclined: ticket.InviteDeclined,
		calendar.PartstatTentative: ticket.InviteTentative,
	}[a.Partstat]
	if !ok {
		return false, nil
	}
	detail := inv.Title + ", " + When(inv.Start, inv.End, zone)
	if c := oneLine(a.Comment, maxComment); c != "" {
		detail += `: "` + c + `"`
	}
	by := r.Message.By
	if by == "" {
		by = "intake"
	}
	recorded, err := d.store.AnswerInvitation(ctx, ticket.InviteAnswer{
		UID: inv.UID, State: state, Stamp: a.Stamp, SourceKey: r.Message.SourceKey, Detail: detail, By: by,
	})
	if err != nil {
		return false, fmt.Errorf("record the answer to invitation %s: %w", inv.UID, err)
	}
	if err := d.store.Durable(ctx); err != nil {
		return false, fmt.Errorf("record the answer to invitation %s: %w", inv.UID, err)
	}
	if recorded {
		d.logger.Info("invitation answered", slog.String("ticket", t.ID), slog.String("uid", inv.UID), slog.String("state", string(state)))
	}
	return true, nil
}

// fromAttendee reports whether an answer naming attendee, sent from from,
// comes from the person inv invited on t.
func (d *Desk) fromAttendee(t *ticket.Ticket, inv ticket.Invitation, attendee, from string) bool {
	invited := bareAddress(inv.Attendee)
	from = strings.ToLower(strings.TrimSpace(from))
	if invited == "" || attendee != invited {
		return false
	}
	return from == invited || from == strings.ToLower(t.Customer.Email) || slices.Contains(t.Customer.Emails, from)
}

// counter puts an attendee's proposal of another time on t as their message.
func (d *Desk) counter(ctx context.Context, t *ticket.Ticket, inv ticket.Invitation, a *calendar.Answer, nm ticket.NewMessage, zone *time.Location) error {
	proposed := "another time"
	if !a.Start.IsZero() && a.End.After(a.Start) {
		proposed = When(a.Start, a.End, zone)
	}
	lines := []string{fmt.Sprintf("Proposes a new time for %q: %s (invited for %s).", inv.Title, proposed, When(inv.Start, inv.End, zone))}
	if c := strings.TrimSpace(a.Comment); c != "" {
		lines = append(lines, "", c)
	}
	if body := strings.TrimSpace(nm.Text); body != "" {
		lines = append(lines, "", body)
	}
	nm.Text = strings.Join(lines, "\n")
	if nm.Meta == nil {
		nm.Meta = map[string]string{}
	}
	nm.Meta["invite_uid"] = inv.UID
	nm.Meta["invite_counter"] = "true"
	if !a.Start.IsZero() && a.End.After(a.Start) {
		nm.Meta["counter_start"] = a.Start.UTC().Format(time.RFC3339)
		nm.Meta["counter_end"] = a.End.UTC().Format(time.RFC3339)
	}
	if _, err := d.Continue(ctx, t.ID, nm); err != nil {
		return fmt.Errorf("record the counter-proposal to invitation %s: %w", inv.UID, err)
	}
	if err := d.store.Durable(ctx); err != nil {
		return fmt.Errorf("record the counter-proposal to invitation %s: %w", inv.UID, err)
	}
	return nil
}

// zone is the time zone appointments on queue's tickets are written in for
// people: its business hours' zone, else UTC.
func (d *Desk) zone(queue string) *time.Location {
	if q, ok := d.cfg.Queue(queue); ok && q.BusinessHours != "" {
		if cal, ok := d.cfg.Calendar(q.BusinessHours); ok {
			if loc := cal.Location(); loc != nil {
				return loc
			}
		}
	}
	return time.UTC
}

// Zone is the time zone an appointment on t is entered and shown in: its
// queue's business hours' zone, else UTC.
func (d *Desk) Zone(t *ticket.Ticket) *time.Location { return d.zone(t.Queue) }

// When writes an appointment's time for people, in zone: "Tue 3 Mar 2026
// 10:00–11:00 CET", the end's date too when it is another day.
func When(start, end time.Time, zone *time.Location) string {
	s, e := start.In(zone), end.In(zone)
	out := s.Format("Mon 2 Jan 2006 15:04") + "–"
	if s.Format("20060102") != e.Format("20060102") {
		out += e.Format("Mon 2 Jan 2006 ")
	}
	return out + e.Format("15:04 MST")
}

// bareAddress is the lower-cased address of a written one ("Ann
// <Ann@example.org>" → "ann@example.org"), "" when it does not parse.
func bareAddress(s string) string {
	a, err := mail.ParseAddress(s)
	if err != nil {
		return ""
	}
	return strings.ToLower(a.Address)
}

// oneLine is s on one line, at most n characters.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		s = string(r[:n]) + "…"
	}
	return s
}
