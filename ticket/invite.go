package ticket

import (
	"context"
	"time"
)

// InviteState is where an invitation stands: sent and waiting for the
// customer's answer, or answered.
type InviteState string

// Invitation states. A declined invitation drops out of the calendar feed;
// the others stay in it, confirmed or tentative.
const (
	InvitePending   InviteState = "pending"
	InviteAccepted  InviteState = "accepted"
	InviteDeclined  InviteState = "declined"
	InviteTentative InviteState = "tentative"
)

// Invitation is an appointment sent with a reply by mail (an iCalendar
// REQUEST, RFC 5546) and the customer's answer to it.
type Invitation struct {
	// UID names the appointment in every calendar it reaches.
	UID string `json:"uid"`
	// TicketID and MessageID name the reply that carried it.
	TicketID    string    `json:"ticket_id"`
	MessageID   string    `json:"message_id"`
	Title       string    `json:"title"`
	Start       time.Time `json:"start"`
	End         time.Time `json:"end"`
	Location    string    `json:"location,omitempty"`
	Description string    `json:"description,omitempty"`
	// Organizer is the address it was sent from; Attendee the customer's.
	Organizer string `json:"organizer"`
	Attendee  string `json:"attendee"`
	Sequence  int    `json:"sequence"`
	By        string `json:"by"`
	// State is the customer's answer, pending until one comes; AnsweredAt
	// when it came.
	State      InviteState `json:"state"`
	AnsweredAt *time.Time  `json:"answered_at,omitempty"`
	CreatedAt  time.Time   `json:"created_at"`
}

// InviteAnswer is a customer's answer to an invitation (an iTIP REPLY), as
// the desk records it.
type InviteAnswer struct {
	UID   string
	State InviteState
	// Stamp is when the customer's calendar wrote the answer (its DTSTAMP):
	// an answer older than the one recorded changes nothing (RFC 5546
	// §2.1.5), so that mail read out of order does not undo a later answer.
	Stamp time.Time
	// SourceKey names the mail that carried it: the same mail read again
	// records nothing more.
	SourceKey string
	// Detail is the event's text ("Appointment: Fitting, Tue 3 Mar …").
	Detail string
	By     string
}

// InviteStore keeps invitations: by UID, by ticket, and by time for the
// calendar feed.
type InviteStore interface {
	// SaveInvitation stores an invitation, pending, once per UID: a second
	// call with the same UID changes nothing and returns the stored one.
	SaveInvitation(ctx context.Context, inv Invitation) (Invitation, error)
	// Invitation returns the invitation with a UID; fault.ErrNotFound when
	// there is none. TicketID is where its ticket is now (after a merge).
	Invitation(ctx context.Context, uid string) (Invitation, error)
	// AnswerInvitation records an answer: the invitation's state and an
	// event invitation_accepted, invitation_declined or
	// invitation_tentative on its ticket, at the store's time, in one step.
	// It reports whether it recorded anything: false for a source key
	// recorded before or an answer older than the one recorded.
	// fault.ErrNotFound for an unknown UID.
	AnswerInvitation(ctx context.Context, a InviteAnswer) (bool, error)
	// Invitations returns the invitations (any state) whose time overlaps
	// from-to, soonest first, up to limit (1-500).
	Invitations(ctx context.Context, from, to time.Time, limit int) ([]Invitation, error)
}
