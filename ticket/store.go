package ticket

import (
	"context"
	"time"
)

// Store keeps tickets, their messages, events, attachments and customers, and the
// queues tickets wait in. Every method takes a context and fails with a wrapped
// error of a kind of package fault: ErrNotFound, ErrInvalid, ErrConflict, ErrTooLarge or, when the backing
// database cannot be reached, an error for which IsUnavailable is true and which
// the caller may retry.
type Store interface {
	Searcher // search.go

	// InviteStore keeps the appointments sent by mail (invite.go).
	InviteStore
	// Create stores a new ticket with its first message. The same SourceKey always
	// yields the same ticket and message: a second call, concurrent or later,
	// returns the first call's receipt with Created false.
	Create(ctx context.Context, nt NewTicket) (Receipt, error)
	// AppendMessage adds a message to an existing ticket, idempotently by the
	// message's SourceKey. An inbound message reopens a pending or closed
	// ticket, unless it is an auto-reply or a bounce.
	AppendMessage(ctx context.Context, ticketID string, nm NewMessage) (Receipt, error)
	// FindByMessageID returns the ticket that holds a message with one of the
	// given RFC 5322 Message-IDs, trying them in order; ErrNotFound if none.
	FindByMessageID(ctx context.Context, messageIDs ...string) (string, error)
	// FindSource returns the receipt of a stored source key; ErrNotFound when
	// the source was never stored.
	FindSource(ctx context.Context, sourceKey string) (Receipt, error)
	// KnownMessageIDs reports, for each RFC 5322 Message-ID in turn,
	// whether a stored message carries it (inbound or outbound), in one
	// round trip: how intake's reconciliation skips mail already stored
	// without fetching it.
	KnownMessageIDs(ctx context.Context, messageIDs ...string) ([]bool, error)
	// SetTranscript puts a voicemail's transcript on its message, which shows
	// it as its text.
	SetTranscript(ctx context.Context, ticketID, messageID, text, by string) error
	// AddAttachment adds a file to a stored message (a recording or picture
	// downloaded after the message was stored), once per source key.
	AddAttachment(ctx context.Context, ticketID, messageID, sourceKey string, a NewAttachment) (Attachment, error)
	// FindMessage is FindByMessageID that also names the message on the ticket.
	FindMessage(ctx context.Context, messageIDs ...string) (ticketID, messageID string, err error)
	// TakeOutbound gives the outbound message due first (queued, and its next
	// try's time come) to a delivery worker under a lease of the given
	// length; fault.ErrNotFound when none is due. Times are the store's own
	// clock, so that instances whose clocks disagree still agree on leases.
	// A message whose worker stopped while sending it (its lease ran out in
	// DeliverySending) is settled as DeliveryUnknown on the way: nobody
	// knows whether the server got it, and it is never sent again by
	// itself.
	TakeOutbound(ctx context.Context, lease time.Duration) (Outbound, error)
	// SettleOutbound moves a taken outbound message on: to DeliverySending
	// at the last moment before it is handed to the server, then to
	// DeliverySent or DeliveryFailed, or back to DeliveryQueued for another
	// try after s.RetryIn. It fails with fault.ErrConflict when the worker
	// no longer holds the message (its lease ran out and another took it)
	// or, for DeliverySending, when the message is no longer queued: of two
	// workers holding one message, only one may send it.
	SettleOutbound(ctx context.Context, o Outbound, s Settlement) error
	// RenewOutbound extends the lease on an outbound message the worker
	// still holds, from now; fault.ErrConflict when it no longer does. A
	// worker renews while it sends, so that its lease can be short and a
	// crashed worker's messages are taken over soon.
	RenewOutbound(ctx context.Context, o Outbound, lease time.Duration) error
	// SetDelivery records what the world says about a message already sent
	// (a bounce: failed; a delivery report: delivered), as the message's
	// state and an event, and takes it out of the outbox.
	SetDelivery(ctx context.Context, ticketID, messageID string, d Delivery, detail, by string) error
	// SendAgain puts an outbound message whose send ended failed or
	// unknown back in the outbox, due now, its tries counted afresh, and
	// reports true; false when it is queued or being sent already (a
	// second request sends it once). fault.ErrConflict when it was sent.
	SendAgain(ctx context.Context, ticketID, messageID, by string) (bool, error)
	// DeadSends lists the sends that ended failed or unknown, oldest
	// first, from offset, at most limit (1-500).
	DeadSends(ctx context.Context, offset, limit int) (DeadSends, error)
	// ClaimSent records that extID, the id an outside service gave a
	// message it took (service "twilio": a text's SID), stands for outbound
	// message messageID of ticket ticketID, unless another message claimed
	// it first; it reports whether extID is (now or already) that message's.
	// A lookup of "did an earlier try reach the service" claims what it
	// finds, so that two identical texts are never both settled by one
	// that went out.
	ClaimSent(ctx context.Context, service, extID, ticketID, messageID string) (bool, error)
	// DismissDead takes a send off the dead list; the message keeps its
	// state. It reports false, and no error, for one not on it.
	DismissDead(ctx context.Context, ticketID, messageID string) (bool, error)
	// Get returns a ticket with its messages, events and customer.
	Get(ctx context.Context, id string) (*Ticket, error)
	// List returns tickets newest first, filtered, one page at a time.
	List(ctx context.Context, f ListFilter) (Page, error)

	// ClaimNext gives the next waiting ticket of the queues (highest
	// priority, then oldest, across all of them) to an assistant under a
	// lease; fault.ErrNotFound when nobody waits in any of them.
	ClaimNext(ctx context.Context, queues []string, assistant string, lease time.Duration) (*Ticket, error)
	// RenewLease extends the lease of a ticket the assistant holds.
	RenewLease(ctx context.Context, id, assistant string, lease time.Duration) error
	// Release puts a ticket back in its queue, unassigned.
	Release(ctx context.Context, id, by string) error
	// Assign gives a ticket to an assistant for good (no lease), taking it out of
	// its queue.
	Assign(ctx context.Context, id, assignee, by string) error
	// SetStatus changes a ticket's status, keeping queue membership in step.
	SetStatus(ctx context.Context, id string, status Status, by string) error
	// ExpireLeases returns every ticket whose lease has run out to its queue and
	// reports how many it returned.
	ExpireLeases(ctx context.Context) (int, error)
	// OpenCount is how many tickets an assistant has that are not done (open
	// or pending): what a cap on open tickets per assistant counts.
	OpenCount(ctx context.Context, assignee string) (int, error)
	// MarkBreaches marks the tickets of the queues whose first response is
	// overdue: an sla_breached event and their priority raised one step, once
	// per ticket. It returns the ids it marked.
	MarkBreaches(ctx context.Context, queues []string) ([]string, error)
	// Reroute moves a ticket to another queue, priority and tag list, and
	// records the move as an event of m.Event's type by m.By.
	Reroute(ctx context.Context, id string, m Move) error
	// QueueStats reports waiting and open counts and the oldest waiting ticket.
	QueueStats(ctx context.Context, queue string) (QueueStats, error)
	// Waiting returns the first limit (1-200) tickets waiting in a queue in
	// the order claims take them, without messages and events.
	Waiting(ctx context.Context, queue string, limit int) ([]Ticket, error)
	// WaitingChannels counts the first limit (1-1000) tickets waiting in a
	// queue, in claim order, by channel, without reading the tickets.
	WaitingChannels(ctx context.Context, queue string, limit int) (map[Channel]int, error)
	// AddEvent appends an event to a ticket's timeline.
	AddEvent(ctx context.Context, id string, e Event) error
	// Snooze sets a ticket aside until a time: pending until then, when it
	// waits at the head of its queue, unassigned (WakeDue). A customer's new
	// message ends the snooze early, as does a change of status or a release
	// by hand. ErrConflict for a closed or merged ticket.
	Snooze(ctx context.Context, id string, until time.Time, by string) error
	// WakeDue puts the tickets whose snooze (or call-back) time has come at
	// the head of their queues and reports how many it woke. Claims do it
	// too, on their way.
	WakeDue(ctx context.Context) (int, error)
	// PlanCallback plans a call-back at a time, with a note: then the
	// ticket waits at the head of its queue (event callback_due). It
	// replaces a snooze or a call-back planned before. ErrConflict for a
	// closed or merged ticket.
	PlanCallback(ctx context.Context, id string, at time.Time, note, by string) error
	// CancelCallback cancels the call-back planned on a ticket, if any.
	CancelCallback(ctx context.Context, id, by string) error
	// Callbacks returns the tickets with a call-back planned between from
	// and to, soonest first, up to limit (1-500), without messages and
	// events; Ticket.Callback says when and what. A call-back stays listed
	// for two days after its time.
	Callbacks(ctx context.Context, from, to time.Time, limit int) ([]Ticket, error)
	// Merge moves every message of ticket id onto ticket into: id is closed,
	// pointing to the other (Ticket.MergedInto), and later mail, recordings
	// and delivery reports for it land on the other. It returns the id of the
	// ticket left (into, or where into was merged itself). ErrConflict when id
	// was merged already, into is id, or a reply on id is still being sent.
	Merge(ctx context.Context, id, into, by string) (string, error)
	// Shelf returns up to limit (1-200) tickets of a person's own list,
	// without messages and events: ShelfSnoozed, soonest back first;
	// ShelfMentions, the latest mention first.
	Shelf(ctx context.Context, shelf Shelf, user string, limit int) ([]Ticket, error)
	// NewMentions counts the tickets a user was mentioned on since they last
	// looked at their mentions (SeenMentions).
	NewMentions(ctx context.Context, user string) (int, error)
	// SeenMentions records that a user has looked at their mentions.
	SeenMentions(ctx context.Context, user string) error

	// Attachment returns an attachment's metadata and bytes.
	Attachment(ctx context.Context, ticketID, attachmentID string) (Attachment, []byte, error)
	// Customer returns a customer record by id.
	Customer(ctx context.Context, id string) (Customer, error)
	// FindCustomer returns the customer known by an email address or phone number.
	FindCustomer(ctx context.Context, emailOrPhone string) (Customer, error)
	// CustomerProfile returns a customer with a page of their tickets,
	// newest first: limit (1-100) tickets after cursor ("" from the newest).
	CustomerProfile(ctx context.Context, customerID string, limit int, cursor string) (CustomerProfile, error)
	// LinkCustomer adds an email address or phone number to a customer, as
	// an assistant does who knows the caller is the writer, and records it
	// in the customer's history by by. Linking one the customer has already
	// changes nothing. ErrConflict when another customer has it, or this
	// one has as many of that kind as a customer may.
	LinkCustomer(ctx context.Context, customerID string, id Identity, by string) (Customer, error)
	// UnlinkCustomer takes an email address or phone number from a
	// customer: later mail or calls from it no longer find them, their
	// tickets stay theirs. One the customer does not have changes nothing.
	// ErrConflict when another customer has it, or it is the last way the
	// customer is known.
	UnlinkCustomer(ctx context.Context, customerID string, id Identity, by string) (Customer, error)
	// UpdateCustomer changes a customer's name or notes, recording what
	// changed in their history.
	UpdateCustomer(ctx context.Context, customerID string, u CustomerUpdate) (Customer, error)
	// Durable waits until every write this process made before the call
	// would survive a crash of the database's host: only then may a source
	// be told its input is done (\Seen, a webhook's 200, a 202). Calls
	// that come together share one wait.
	Durable(ctx context.Context) error
	// Secret returns this deployment's random signing key, made on first use
	// and shared by every instance: it signs outbound Message-IDs.
	Secret(ctx context.Context) ([]byte, error)

	// Viewing records that user has ticket id open until ttl from now, by
	// the store's clock, forgets whoever's time ran out, and returns who
	// holds the ticket and who has it open now. An empty user only reads.
	Viewing(ctx context.Context, id, user string, ttl time.Duration) (Presence, error)
	// CannedReplies returns the canned replies with their version; version
	// 0 and none when none were ever stored.
	CannedReplies(ctx context.Context) (CannedSet, error)
	// ReplaceCanned stores replies (validated by the caller) as the next
	// version and returns its number. With expect >= 0 it stores only while
	// version expect is the current one, else fault.ErrConflict.
	ReplaceCanned(ctx context.Context, replies []CannedReply, by string, expect int) (int, error)
}

// NewTicket is what intake hands the store to open a ticket.
type NewTicket struct {
	Channel  Channel
	Queue    string
	Priority Priority // empty means normal
	Subject  string
	// Customer: Email and/or Phone identify the customer record; with neither
	// (a mail without a usable sender) the ticket has no customer record.
	Customer Customer
	Tags     []string
	// FirstResponseDue is the SLA deadline, zero for none.
	FirstResponseDue time.Time
	// Mailbox names the mailbox a mail came in through, for routing.
	Mailbox string
	// Assignee, when set, gives the new ticket to an assistant at once
	// (routing's assignment): it starts open instead of waiting.
	Assignee string
	// Closed files the ticket closed (routing marked it spam): kept and
	// audited, never in a queue.
	Closed bool
	// RouteNote, when set, is recorded as a "routed" event: which rules
	// decided what.
	RouteNote string
	// ThreadKey, when set, names a conversation across inputs (a call's
	// callbacks, a number's texts): when it names a ticket that is not
	// closed, Create appends the message to that ticket instead of opening
	// one. After storing, the key names the ticket for ThreadTTL (0: for good).
	ThreadKey string
	ThreadTTL time.Duration
	// Message is the ticket's first message. Its SourceKey is the ticket's
	// idempotency key.
	Message NewMessage
}

// NewMessage is a message to store. SourceKey identifies where it came from
// (mailbox and Message-ID, a Twilio SID…) and makes storing it idempotent.
type NewMessage struct {
	SourceKey   string
	Direction   Direction // empty means in
	Channel     Channel
	Kind        Kind // empty means normal
	From        string
	To          []string
	Cc          []string
	Bcc         []string // outbound mail only: recipients never written in the header
	Subject     string
	Text        string
	HTML        string
	MessageID   string
	InReplyTo   string
	References  []string
	Meta        map[string]string
	Warnings    []string
	Delivery    Delivery
	Attachments []NewAttachment
	// Raw is the original message as received, kept beside the message (up to
	// the attachment size cap) and fetched like an attachment by Message.RawID.
	Raw []byte
	By  string    // who stores it, for the timeline: "intake:support", "ann"…
	At  time.Time // when it was received; zero means now
	// Author is the user who wrote an outbound message or a note.
	Author string
	// Mentions are the users a note mentions: the ticket goes on their
	// mentions shelf.
	Mentions []string
	// BusinessAge, when set, is how long the ticket has waited, in its
	// queue's business hours: an outbound message that is its first
	// response counts this time in the daily reports (else the time around
	// the clock).
	BusinessAge *time.Duration
	// Invitation, on an outbound reply, is the appointment it carries: stored
	// pending with the message, in the same step, so that no invitation goes
	// out unrecorded (its TicketID and MessageID are the message's).
	Invitation *Invitation
}

// NewAttachment is a file to store with a message.
type NewAttachment struct {
	Filename    string
	ContentType string
	Inline      bool
	ContentID   string
	Data        []byte
}

// Receipt tells what a Create or AppendMessage stored, or found already stored.
type Receipt struct {
	TicketID  string
	MessageID string // the message's id on the ticket ("m1")
	Created   bool   // false when the source key had been stored before
}

// Move is a ticket's new queue, priority and tags (the whole list), and how
// the timeline tells of it: Event "routed" (the rules moved it) or "changed"
// (a person did), with Detail in words.
type Move struct {
	Queue    string
	Priority Priority
	Tags     []string
	By       string
	Event    string
	Detail   string
}

// Outbound is an outbound message a delivery worker holds, from
// Store.TakeOutbound until it settles it.
type Outbound struct {
	TicketID, MessageID string
	// Attempt is 1 on the first try and counts every take.
	Attempt int
	// Queued is when the message was first queued, for giving up on it.
	Queued time.Time
	// Hold is the worker's claim on the message; settling checks it.
	Hold string
}

// Settlement is what became of a send: the new state (DeliverySending,
// DeliverySent, DeliveryFailed or DeliveryQueued to try again), the server's
// word or the reason, and for DeliveryQueued how long to wait.
type Settlement struct {
	Delivery Delivery
	Detail   string
	RetryIn  time.Duration
	By       string
}

// Shelf names a person's own list of tickets.
type Shelf string

const (
	// ShelfSnoozed: the tickets a user snoozed that are not back yet.
	ShelfSnoozed Shelf = "snoozed"
	// ShelfMentions: the tickets whose notes mention a user.
	ShelfMentions Shelf = "mentions"
)

// ListFilter selects tickets for List. Empty fields match everything.
type ListFilter struct {
	Queue    string
	Status   Status
	Channel  Channel
	Assignee string
	Limit    int    // 1-200; 0 means 50
	Cursor   string // from a previous Page.NextCursor
}

// Page is one page of List.
type Page struct {
	Tickets    []Ticket // without messages and events
	NextCursor string   // empty on the last page
}

// QueueStats summarises one queue.
type QueueStats struct {
	Name                 string  `json:"name"`
	Waiting              int     `json:"waiting"`
	Open                 int     `json:"open"`
	OldestWaitingSeconds float64 `json:"oldest_waiting_seconds"`
	SLABreached          int     `json:"sla_breached"`
}
