package ui

import (
	"net/http"
	"time"

	"frontdesk/ticket"
)

// boardShown is how many waiting tickets the queue page lists per queue, and
// boardCounted how many it counts by channel (reading one field of each).
const (
	boardShown   = 8
	boardCounted = 200
)

// queueBoard is the queue page's live part: every queue's counts and the
// tickets next in line.
type queueBoard struct {
	Queues []queueRow
	// Callbacks are today's call-backs (in the desk's timezone), soonest
	// first: planned, and come due.
	Callbacks []ticket.Ticket
	At        time.Time
	CSRF      string // the form token of the "take next" buttons
}

// queueRow is one queue on the board.
type queueRow struct {
	ticket.QueueStats
	// ByChannel counts the waiting tickets per channel, among the first
	// boardCounted (Partial says there are more).
	ByChannel []channelCount
	Partial   bool
	// Next are the first waiting tickets, in the order "take next" takes
	// them.
	Next []ticket.Ticket
}

type channelCount struct {
	Channel ticket.Channel
	Count   int
}

// board reads the queue board.
func (h *Handlers) board(r *http.Request) (queueBoard, error) {
	b := queueBoard{At: time.Now(), CSRF: csrfToken(r)}
	for _, q := range h.Queues() {
		st, err := h.Tickets.QueueStats(r.Context(), q)
		if err != nil {
			return b, err
		}
		st.Name = q
		row := queueRow{QueueStats: st}
		if st.Waiting > 0 {
			counts, err := h.Tickets.WaitingChannels(r.Context(), q, boardCounted)
			if err != nil {
				return b, err
			}
			for _, c := range []ticket.Channel{ticket.ChannelEmail, ticket.ChannelVoice, ticket.ChannelSMS, ticket.ChannelFax} {
				if counts[c] > 0 {
					row.ByChannel = append(row.ByChannel, channelCount{c, counts[c]})
				}
			}
			row.Partial = st.Waiting > boardCounted
			if row.Next, err = h.Tickets.Waiting(r.Context(), q, boardShown); err != nil {
				return b, err
			}
		}
		b.Queues = append(b.Queues, row)
	}
	var err error
	if b.Callbacks, err = h.Desk.CallbacksOn(r.Context(), b.At.In(h.Desk.Location())); err != nil {
		return b, err
	}
	return b, nil
}

// handleQueueBoard answers the queue board alone, an HTML fragment for the
// queue page's live refresh.
func (h *Handlers) handleQueueBoard(w http.ResponseWriter, r *http.Request) {
	b, err := h.board(r)
	if err != nil {
		h.uiError(w, r, err)
		return
	}
	h.renderFragment(w, r, "queues", "queue-board", b)
}
