package api

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"frontdesk/fault"
	"frontdesk/ticket"
	"frontdesk/web/httperr"
)

// apiJob is a dead job as the API shows it: for the outbox queue, a send
// that ended failed or unknown; for the media queue, a download that gave
// up.
type apiJob struct {
	ID        string          `json:"id"` // outbox: TICKET_ID-MESSAGE_ID; media: the job's id
	Queue     string          `json:"queue"`
	State     string          `json:"state"` // dead
	TicketID  string          `json:"ticket_id,omitempty"`
	MessageID string          `json:"message_id,omitempty"`
	Delivery  ticket.Delivery `json:"delivery,omitempty"` // outbox: failed or unknown
	// What a media job fetched: recording, picture, fax, file, or
	// "missed call" (the check that files a call without a recording).
	What string `json:"what,omitempty"`
	From string `json:"from,omitempty"` // media: a missed call's caller
	// Reason: media, what went wrong in a manager's words.
	Reason   string    `json:"reason,omitempty"`
	Error    string    `json:"error"`
	Attempts int       `json:"attempts"`
	At       time.Time `json:"at"`
}

// jobPage is the answer of GET /api/v1/jobs.
type jobPage struct {
	Jobs  []apiJob `json:"jobs"`
	Total int      `json:"total"`
}

// handleJobList lists dead jobs: ?queue=outbox (the default; oldest first)
// or media (the latest to give up first), ?state=dead, ?offset= and ?limit=
// (1-500, default 100).
func (h *Handlers) handleJobList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if s := q.Get("state"); s != "" && s != "dead" {
		httperr.Write(w, r, h.logger, fmt.Errorf("%w: state must be dead", fault.ErrInvalid))
		return
	}
	queue, err := jobQueue(r)
	if err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	offset, limit := 0, 100
	for _, p := range []struct {
		name     string
		v        *int
		min, max int
	}{{"offset", &offset, 0, 1 << 30}, {"limit", &limit, 1, 500}} {
		if s := q.Get(p.name); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < p.min || n > p.max {
				httperr.Write(w, r, h.logger, fmt.Errorf("%w: %s must be %d-%d", fault.ErrInvalid, p.name, p.min, p.max))
				return
			}
			*p.v = n
		}
	}
	if queue == "media" {
		if offset > maxMediaOffset {
			httperr.Write(w, r, h.logger, fmt.Errorf("%w: offset must be 0-%d for the media queue", fault.ErrInvalid, maxMediaOffset))
			return
		}
		h.listDeadDownloads(w, r, offset, limit)
		return
	}
	list, err := h.Desk.DeadSends(r.Context(), offset, limit)
	if err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	out := jobPage{Jobs: []apiJob{}, Total: list.Total}
	for _, s := range list.Sends {
		out.Jobs = append(out.Jobs, apiJob{ID: s.TicketID + "-" + s.MessageID, Queue: "outbox", State: "dead",
			TicketID: s.TicketID, MessageID: s.MessageID, Delivery: s.Delivery, Error: s.Detail, Attempts: s.Attempts, At: s.At})
	}
	writeJSON(w, http.StatusOK, out)
}

// jobRef splits an outbox job id, TICKET_ID-MESSAGE_ID.
func jobRef(id string) (string, string, error) {
	t, m, ok := strings.Cut(id, "-")
	if !ok || t == "" || m == "" {
		return "", "", fmt.Errorf("%w: job id %q: want TICKET_ID-MESSAGE_ID", fault.ErrInvalid, id)
	}
	return t, m, nil
}

// maxMediaOffset bounds ?offset= of the media queue, whose dead list is read
// from its start.
const maxMediaOffset = 10000

// listDeadDownloads answers GET /api/v1/jobs?queue=media.
func (h *Handlers) listDeadDownloads(w http.ResponseWriter, r *http.Request, offset, limit int) {
	out := jobPage{Jobs: []apiJob{}}
	if h.Downloads == nil {
		writeJSON(w, http.StatusOK, out)
		return
	}
	list, total, err := h.Downloads.DeadDownloads(r.Context(), offset+limit)
	if err != nil {
		httperr.Write(w, r, h.logger, fmt.Errorf("list dead downloads: %w", err))
		return
	}
	out.Total = total
	for _, d := range list[min(offset, len(list)):] {
		out.Jobs = append(out.Jobs, apiJob{ID: d.ID, Queue: "media", State: "dead", TicketID: d.TicketID, MessageID: d.MessageID,
			What: d.What, From: d.From, Reason: d.Reason, Error: d.Error, Attempts: d.Attempts, At: d.At})
	}
	writeJSON(w, http.StatusOK, out)
}

// jobQueue is the request's ?queue=: outbox (the default) or media.
func jobQueue(r *http.Request) (string, error) {
	switch q := r.URL.Query().Get("queue"); q {
	case "", "outbox":
		return "outbox", nil
	case "media":
		return q, nil
	}
	return "", fmt.Errorf("%w: queue must be outbox or media", fault.ErrInvalid)
}
