package ticket

import "time"

// CannedReply is a prepared answer an assistant inserts into a reply: a
// text/template filled with the ticket's customer name, its number and the
// assistant's name. A reply with an empty Queue is offered on every ticket,
// one with a queue on that queue's tickets.
type CannedReply struct {
	Name  string `json:"name"`
	Queue string `json:"queue"`
	Text  string `json:"text"`
}

// CannedSet is the stored list of canned replies, as one version.
type CannedSet struct {
	Version int           `json:"version"`
	Replies []CannedReply `json:"replies"`
	At      time.Time     `json:"at"`
	By      string        `json:"by"`
}

// Presence is who holds a ticket and who has it open now.
type Presence struct {
	// Assignee holds the ticket; "" when nobody does.
	Assignee string `json:"assignee"`
	// Viewers have the ticket's page open, in name order.
	Viewers []string `json:"viewers"`
}
