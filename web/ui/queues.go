package ui

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"frontdesk/fault"
	"frontdesk/ticket"
	"frontdesk/web/auth"
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
	At     time.Time
	CSRF   string // the form token of the "take next" buttons
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
	for _, q := range h.Queues {
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
	return b, nil
}

// handleQueuesPage shows every queue: waiting and open counts, the oldest
// waiting ticket, SLA breaches, waiting tickets per channel and the next in
// line, refreshed every 5 s by the script from /queues/board.
func (h *Handlers) handleQueuesPage(w http.ResponseWriter, r *http.Request) {
	b, err := h.board(r)
	if err != nil {
		h.uiError(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "queues", &pageData{Title: "Queues", Nav: "queues", Data: b})
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

// handleTakeNext claims the next waiting ticket for the caller and opens it:
// from the queue in the path, or, from the header's button, from whichever
// queue's next ticket is most urgent (priority, then age). Nobody waiting
// leads back to the queues with a notice.
func (h *Handlers) handleTakeNext(w http.ResponseWriter, r *http.Request) {
	queues := h.Queues
	if q := r.PathValue("queue"); q != "" {
		if err := h.KnownQueue(q); err != nil {
			h.uiError(w, r, err)
			return
		}
		queues = []string{q}
	} else {
		var err error
		if queues, err = h.queuesByUrgency(r); err != nil {
			h.uiError(w, r, err)
			return
		}
	}
	me := auth.Caller(r).Name
	for _, q := range queues {
		t, err := h.Tickets.ClaimNext(r.Context(), q, me, h.ClaimLease)
		if errors.Is(err, fault.ErrNotFound) {
			continue
		}
		if err != nil {
			h.uiError(w, r, err)
			return
		}
		h.seeOther(w, r, "/tickets/"+t.ID, fmt.Sprintf("Ticket #%s from queue %s is yours for the next %s.", t.ID, q, humanDuration(h.ClaimLease)))
		return
	}
	h.seeOther(w, r, "/", "Nobody is waiting. Well done.")
}

// queuesByUrgency orders the queues that have someone waiting by their next
// ticket: higher priority first, then the longer wait.
func (h *Handlers) queuesByUrgency(r *http.Request) ([]string, error) {
	type head struct {
		queue string
		t     ticket.Ticket
	}
	var heads []head
	for _, q := range h.Queues {
		next, err := h.Tickets.Waiting(r.Context(), q, 1)
		if err != nil {
			return nil, err
		}
		if len(next) == 1 {
			heads = append(heads, head{q, next[0]})
		}
	}
	slices.SortStableFunc(heads, func(a, b head) int {
		if d := a.t.Priority.Rank() - b.t.Priority.Rank(); d != 0 {
			return d
		}
		return a.t.CreatedAt.Compare(b.t.CreatedAt)
	})
	out := make([]string, len(heads))
	for i, hd := range heads {
		out[i] = hd.queue
	}
	return out, nil
}
