package api

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"strings"

	"frontdesk/fault"
	"frontdesk/web/auth"
	"frontdesk/web/desk"
	"frontdesk/web/httperr"
)

type replyRequest struct {
	Text  string `json:"text"`
	Close bool   `json:"close"`
}

// handleReplyCreate queues a reply to the customer on the ticket's channel:
// it stores an outbound message with delivery "queued", then sets the ticket
// pending (closed when the request says close), and answers 202 with the
// stored message. Sending it is the responders' work, which arrives with them:
// until then a reply stays queued.
//
// A request with an Idempotency-Key header stores its reply once: a client
// that retries with the same key (the same caller, the same ticket) gets the
// first reply back, and the status step is done again only if the ticket's
// status is not the one asked for, which finishes a first try that failed
// between the two steps.
func (h *Handlers) handleReplyCreate(w http.ResponseWriter, r *http.Request) {
	var in replyRequest
	if err := decodeJSON(w, r, &in); err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	if strings.TrimSpace(in.Text) == "" {
		httperr.Write(w, r, h.logger, fmt.Errorf("%w: text is empty", fault.ErrInvalid))
		return
	}
	me := auth.Caller(r)
	key, err := replySourceKey(r, me.Name)
	if err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	m, err := h.QueueReply(r.Context(), r.PathValue("id"), key, in.Text, me.Name, in.Close)
	if err != nil {
		httperr.Write(w, r, h.logger, err)
		return
	}
	writeJSON(w, http.StatusAccepted, apiMessage(m))
}

// replySourceKey is the reply's source key: from the Idempotency-Key header
// when the client sent one, scoped to the ticket and caller so that one
// client's keys cannot meet another's, else random.
func replySourceKey(r *http.Request, by string) (string, error) {
	id := r.PathValue("id")
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		return "reply:" + id + ":" + rand.Text(), nil
	}
	if len(key) > desk.MaxIdempotencyKey || strings.IndexFunc(key, func(c rune) bool { return c <= ' ' || c > '~' }) >= 0 {
		return "", fmt.Errorf("%w: Idempotency-Key must be 1-%d visible ASCII characters", fault.ErrInvalid, desk.MaxIdempotencyKey)
	}
	return "reply:" + id + ":" + by + ":" + key, nil
}
