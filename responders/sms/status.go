package sms

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/twilio/twilio-go/client"

	"frontdesk/fault"
	"frontdesk/ticket"
)

// statusPath is where Twilio reports what became of a text:
// POST /twilio/sms-status?ticket=ID&message=MID.
const statusPath = "/twilio/sms-status"

// maxStatusBody bounds a status callback's body (Twilio's are a few hundred
// bytes).
const maxStatusBody = 64 << 10

// Recorder records a text's delivery (desk.Desk.TextDelivery).
type Recorder interface {
	TextDelivery(ctx context.Context, id, mid string, state ticket.Delivery, detail string) error
}

// Status receives Twilio's status callbacks of the texts frontdesk sends
// (StatusCallback on each send), signed with the account's auth token like
// every Twilio webhook: delivered and failed are recorded on the message,
// once however often Twilio calls.
type Status struct {
	rec       Recorder
	publicURL string
	validator client.RequestValidator
	logger    *slog.Logger
}

// NewStatus returns the status callback receiver for texts, reachable by
// Twilio at publicURL (http.public_url), checking signatures with authToken.
func NewStatus(rec Recorder, authToken, publicURL string, logger *slog.Logger) *Status {
	if logger == nil {
		logger = slog.Default()
	}
	return &Status{rec: rec, publicURL: strings.TrimSuffix(publicURL, "/"), validator: client.NewRequestValidator(authToken), logger: logger}
}

// CallbackURL is the StatusCallback of text mid on ticket id; Twilio signs
// its callbacks over the whole URL, the ids in it included.
func (s *Status) CallbackURL(id, mid string) string {
	return s.publicURL + statusPath + "?" + url.Values{"ticket": {id}, "message": {mid}}.Encode()
}

// Register mounts the callback on mux.
func (s *Status) Register(mux *http.ServeMux) { mux.HandleFunc("POST "+statusPath, s.serve) }

// serve answers a status callback: 403 without a valid signature; 204 once
// a final status (delivered, undelivered, failed) is recorded, or for any
// other status (queued, sent…); 503 while the store is unavailable, so that
// Twilio tries again.
func (s *Status) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxStatusBody))
	if err != nil {
		http.Error(w, "cannot read request body", http.StatusBadRequest)
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		http.Error(w, "malformed form body", http.StatusBadRequest)
		return
	}
	params := make(map[string]string, len(form))
	for k, v := range form {
		params[k] = v[0]
	}
	u := s.publicURL + r.URL.EscapedPath()
	if r.URL.RawQuery != "" {
		u += "?" + r.URL.RawQuery
	}
	if sig := r.Header.Get("X-Twilio-Signature"); sig == "" || !s.validator.Validate(u, params, sig) {
		s.logger.LogAttrs(r.Context(), slog.LevelWarn, "sms status callback: signature missing or wrong", slog.String("remote", r.RemoteAddr))
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	id, mid := r.URL.Query().Get("ticket"), r.URL.Query().Get("message")
	state, detail, final := statusWords(form)
	if !final || id == "" || mid == "" {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if err := s.rec.TextDelivery(r.Context(), id, mid, state, detail); err != nil {
		if fault.IsUnavailable(err) || errors.Is(err, context.DeadlineExceeded) {
			w.Header().Set("Retry-After", "5")
			http.Error(w, "service unavailable", http.StatusServiceUnavailable)
			return
		}
		s.logger.LogAttrs(r.Context(), slog.LevelError, "sms status callback", slog.Any("error", err))
		http.Error(w, "internal server error", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// statusWords reads Twilio's MessageStatus: the state it means, the reason
// in words, and whether it is final.
func statusWords(form url.Values) (ticket.Delivery, string, bool) {
	sid := oneLine(form.Get("MessageSid"))
	switch form.Get("MessageStatus") {
	case "delivered":
		detail := "the phone company delivered it"
		if sid != "" {
			detail += "; text " + sid
		}
		return ticket.DeliveryDelivered, detail, true
	case "undelivered", "failed":
		detail := "the phone company could not deliver it"
		if code := oneLine(form.Get("ErrorCode")); code != "" && code != "0" {
			detail = fmt.Sprintf("%s (error %s)", detail, code)
		}
		if sid != "" {
			detail += "; text " + sid
		}
		return ticket.DeliveryFailed, detail, true
	}
	return "", "", false
}

// oneLine keeps the first 200 characters of s on one line.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}
