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
// that ended failed or unknown.
type apiJob struct {
	ID        string          `json:"id"` // TICKET_ID-MESSAGE_ID
	Queue     string          `json:"queue"`
	State     string          `json:"state"` // dead
	TicketID  string          `json:"ticket_id"`
	MessageID string          `json:"message_id"`
	Delivery  ticket.Delivery `json:"delivery"` // failed or unknown
	Error     string          `json:"error"`
	Attempts  int             `json:"attempts"`
	At        time.Time       `json:"at"`
}

// jobPage is the answer of GET /api/v1/jobs.
type jobPage struct {
	Jobs  []apiJob `json:"jobs"`
	Total int      `json:"total"`
}

// handleJobList lists dead jobs, oldest first: ?queue=outbox (the only one
// the API has; the media downloads are on `frontdesk jobs`), ?state=dead,
// ?offset= and ?limit= (1-500, default 100).
func (h *Handlers) handleJobList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if s := q.Get("state"); s != "" && s != "dead" {
		httperr.Write(w, r, h.logger, fmt.Errorf("%w: state must be dead", fault.ErrInvalid))
		return
	}
	if s := q.Get("queue"); s != "" && s != "outbox" {
		httperr.Write(w, r, h.logger, fmt.Errorf("%w: queue must be outbox", fault.ErrInvalid))
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
