package ticket

import "time"

// DeadSend is an outbound message on the dead list: its send ended failed
// (the server refused it, it was given up on, a bounce) or unknown (cut
// off), for a person to send again or dismiss.
type DeadSend struct {
	TicketID  string    `json:"ticket_id"`
	MessageID string    `json:"message_id"`
	Delivery  Delivery  `json:"delivery"`
	Detail    string    `json:"detail"`
	Attempts  int       `json:"attempts"`
	At        time.Time `json:"at"`
}

// DeadSends is one page of the dead list, oldest first, and how many there
// are in all.
type DeadSends struct {
	Sends []DeadSend
	Total int
}
