// Package ticket is frontdesk's domain: the tickets that customers' mails, calls,
// texts and faxes become, their messages, events and customers, the queues they wait
// in, and the Store that keeps them. Intake adapters turn input into NewTicket and
// NewMessage values; routing decides queue and priority; assistants claim tickets
// from queues; responders append outbound messages.
//
// The Store contract is what makes "nothing is lost, nothing is doubled" hold:
// every creation carries a source key, and the same source key always yields the
// same ticket and message, however often, however concurrently, and whatever
// crashed in between.
package ticket

import "time"

// Channel is the medium a ticket or message came in on.
type Channel string

// Channels.
const (
	ChannelEmail Channel = "email"
	ChannelVoice Channel = "voice"
	ChannelSMS   Channel = "sms"
	ChannelFax   Channel = "fax"
)

// Status is where a ticket stands. A ticket waits in its queue exactly while its
// status is StatusNew.
type Status string

// Statuses.
const (
	StatusNew     Status = "new"     // waiting in its queue, nobody works on it
	StatusOpen    Status = "open"    // an assistant has it
	StatusPending Status = "pending" // answered, waiting for the customer
	StatusClosed  Status = "closed"  // done; a new customer message reopens it
)

// Priority orders tickets in a queue: urgent first, low last.
type Priority string

// Priorities, lowest to highest.
const (
	PriorityLow    Priority = "low"
	PriorityNormal Priority = "normal"
	PriorityHigh   Priority = "high"
	PriorityUrgent Priority = "urgent"
)

// Rank is the priority's place in a queue: 0 for urgent up to 3 for low, so that
// lower ranks are taken first. Unknown priorities rank as normal.
func (p Priority) Rank() int {
	switch p {
	case PriorityUrgent:
		return 0
	case PriorityHigh:
		return 1
	case PriorityLow:
		return 3
	default:
		return 2
	}
}

// Direction tells whether a message came from the customer, went to them, or
// stayed inside the desk.
type Direction string

// Directions.
const (
	DirectionIn  Direction = "in"
	DirectionOut Direction = "out"
	// DirectionInternal is a note: written by an assistant for colleagues,
	// never sent to anyone.
	DirectionInternal Direction = "internal"
)

// Kind is what sort of message it is.
type Kind string

// Message kinds.
const (
	KindNormal     Kind = "normal"
	KindAutoReply  Kind = "auto_reply"
	KindBounce     Kind = "bounce"
	KindVoicemail  Kind = "voicemail"
	KindMissedCall Kind = "missed_call"
	KindSMS        Kind = "sms"
	KindFax        Kind = "fax"
	// KindForward is an outbound mail forwarding a message of the ticket to
	// a third party (Meta "forwarded" names the message); their answer
	// threads back onto the ticket without making them its customer.
	KindForward Kind = "forward"
)

// Delivery is the state of an outbound message.
type Delivery string

// Delivery states. An outbound message is queued until a delivery worker hands
// it to the mail server or provider (sending); then it is sent, or failed with
// the server's reason, or queued again for a later try after a temporary
// failure. When the instance sending it stops in the middle, nobody knows
// whether the server got it: it is unknown, for a person to check.
const (
	DeliveryQueued  Delivery = "queued"
	DeliverySending Delivery = "sending"
	DeliverySent    Delivery = "sent"
	// DeliveryDelivered: the provider or the recipient's server confirmed
	// it arrived (a delivery report, a provider's status callback).
	DeliveryDelivered Delivery = "delivered"
	DeliveryFailed    Delivery = "failed"
	DeliveryUnknown   Delivery = "unknown"
)

// Ticket is one customer matter, as the API shows it.
type Ticket struct {
	ID       string   `json:"id"`
	Channel  Channel  `json:"channel"`
	Status   Status   `json:"status"`
	Queue    string   `json:"queue"`
	Assignee string   `json:"assignee"`
	Priority Priority `json:"priority"`
	Subject  string   `json:"subject"`
	// Mailbox names the mailbox a mail ticket came in through; its address
	// is the From of replies when the queue has none.
	Mailbox          string     `json:"mailbox,omitempty"`
	Customer         Customer   `json:"customer"`
	Tags             []string   `json:"tags"`
	CreatedAt        time.Time  `json:"created_at"`
	UpdatedAt        time.Time  `json:"updated_at"`
	FirstResponseDue *time.Time `json:"first_response_due,omitempty"`
	// FirstResponseAt is when an assistant first answered (an automatic
	// acknowledgement does not count); it stops the SLA clock.
	FirstResponseAt *time.Time `json:"first_response_at,omitempty"`
	// LeaseExpires is when a claimed ticket goes back to its queue unless the
	// assistant acts on it; nil when the ticket is not under a lease.
	LeaseExpires *time.Time `json:"lease_expires,omitempty"`
	// SnoozedUntil is when a snoozed ticket comes back to the head of its
	// queue; nil when it is not snoozed.
	SnoozedUntil *time.Time `json:"snoozed_until,omitempty"`
	// SnoozedBy is who snoozed it.
	SnoozedBy string `json:"snoozed_by,omitempty"`
	// CallbackAt is when the last call-back planned on the ticket is (or
	// was) due; Callback tells the rest.
	CallbackAt *time.Time `json:"callback_at,omitempty"`
	// Callback is the call-back planned on the ticket, the last one; nil
	// when none is.
	Callback *Callback `json:"callback,omitempty"`
	// MergedInto is the ticket this one was merged into: its messages are
	// there now.
	MergedInto string    `json:"merged_into,omitempty"`
	Messages   []Message `json:"messages"`
	Events     []Event   `json:"events"`

	// Invitations are the appointments sent with replies on the ticket and
	// the customer's answers (invite.go), oldest first.
	Invitations []Invitation `json:"invitations,omitempty"`
}

// Message is one mail, voicemail, text, fax or reply on a ticket.
type Message struct {
	ID        string    `json:"id"`
	Direction Direction `json:"direction"`
	Channel   Channel   `json:"channel"`
	Kind      Kind      `json:"kind"`
	From      string    `json:"from"`
	To        []string  `json:"to"`
	Cc        []string  `json:"cc"`
	// Bcc are an outbound mail's blind copies: sent to, never written in
	// the mail's header, and shown only to the desk's users.
	Bcc     []string `json:"bcc,omitempty"`
	Subject string   `json:"subject"`
	Text    string   `json:"text"`
	// Transcript is a voicemail's transcript, also shown as Text.
	Transcript  string            `json:"transcript,omitempty"`
	HTML        string            `json:"html,omitempty"`
	Attachments []Attachment      `json:"attachments"`
	MessageID   string            `json:"message_id,omitempty"`
	InReplyTo   string            `json:"in_reply_to,omitempty"`
	References  []string          `json:"references,omitempty"`
	Meta        map[string]string `json:"meta,omitempty"` // channel details: call duration, caller, SIDs…
	Warnings    []string          `json:"warnings,omitempty"`
	Delivery    Delivery          `json:"delivery,omitempty"`
	// DeliveryDetail is the last word on an outbound message's delivery: the
	// server's reply to a failed send, a bounce's reason.
	DeliveryDetail string `json:"delivery_detail,omitempty"`
	// RawID names the original message as received (an .eml), fetched like an
	// attachment; empty when it was not kept.
	RawID string `json:"raw_id,omitempty"`
	// Author is the user who wrote an outbound message or a note; empty for
	// what the desk wrote itself (an acknowledgement) and for inbound ones.
	Author    string    `json:"author,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// Attachment describes a file on a message. Its bytes are fetched separately with
// Store.Attachment.
type Attachment struct {
	ID          string `json:"id"`
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	Inline      bool   `json:"inline,omitempty"`
	ContentID   string `json:"content_id,omitempty"`
	// Omitted is true when the bytes were not kept because they exceeded the
	// attachment size cap; the metadata still tells the assistant what was sent.
	Omitted bool `json:"omitted,omitempty"`
}

// Event is one entry of a ticket's timeline.
type Event struct {
	At     time.Time `json:"at"`
	Type   string    `json:"type"` // created, message, assigned, released, status, lease_expired, routed, replied…
	By     string    `json:"by"`
	Detail string    `json:"detail"`
}

// Customer is the person behind a ticket, known by any number of email
// addresses and phone numbers (at least one), across channels.
type Customer struct {
	ID   string `json:"id,omitempty"`
	Name string `json:"name"`
	// Email and Phone are the customer's address and number: on a ticket
	// the ones the customer last wrote or called from on it (where replies
	// go), else, as on the customer, the first of Emails and Phones.
	Email string `json:"email"`
	Phone string `json:"phone"`
	// Emails and Phones are every address (lower-case) and number (E.164)
	// the customer is known by, in the order they became known.
	Emails []string `json:"emails"`
	Phones []string `json:"phones"`
	// Notes are what the desk keeps in mind about the customer; a ticket's
	// customer comes without them (Store.Customer has them).
	Notes string   `json:"notes,omitempty"`
	Tags  []string `json:"tags,omitempty"`
}

// Callback is a call-back planned on a ticket: at At the ticket waits at the
// head of its queue, with the note.
type Callback struct {
	At   time.Time `json:"at"`
	Note string    `json:"note,omitempty"`
	By   string    `json:"by"`
	// Due is true once the time has come: the ticket was put at the head
	// of its queue.
	Due bool `json:"due"`
}

// IdentityKind says what an Identity is: an email address or a phone number.
type IdentityKind string

// Identity kinds.
const (
	IdentityEmail IdentityKind = "email"
	IdentityPhone IdentityKind = "phone"
)

// Identity is one way a customer is known: an email address (a bare,
// lower-case address) or a phone number (E.164).
type Identity struct {
	Kind  IdentityKind
	Value string
}

// String is the identity as people read it: the address, or the number.
func (id Identity) String() string { return id.Value }

// CustomerProfile is a customer with a page of their tickets, newest first,
// and the latest entries of their history.
type CustomerProfile struct {
	Customer Customer
	// Tickets are the page's tickets, without messages and events.
	Tickets []Ticket
	// TicketCount is how many tickets the customer has in all.
	TicketCount int
	// NextCursor continues the list after this page; empty on the last.
	NextCursor string
	// Events are the latest changes to the customer (linked, unlinked,
	// renamed, notes), oldest first.
	Events []Event
}

// CustomerUpdate is a person's change to a customer's name or notes; a nil
// field stays as it is.
type CustomerUpdate struct {
	Name  *string
	Notes *string
	By    string
}
