package fax

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strconv"

	"frontdesk/ticket"
)

// statusPath is where the service reports what became of a fax:
// POST /fax/status?ticket=ID&message=MID.
const statusPath = "/fax/status"

// maxStatusBody bounds a status callback's body: the service's are a few
// hundred bytes, like Twilio's webhooks (64 KiB at most).
const maxStatusBody = 64 << 10

// CallbackURL is the StatusCallback of fax message mid on ticket id. The
// service signs its callbacks over the whole URL, the ids in it included,
// so that nobody else can settle a fax.
func (s *Service) CallbackURL(id, mid string) string {
	return s.publicURL + statusPath + "?" + url.Values{"ticket": {id}, "message": {mid}}.Encode()
}

// serveStatus answers the service's status callback. A missing or wrong
// signature is 403 and changes nothing; a final status (delivered, failed,
// busy, no-answer, canceled) is recorded on the fax (desk.FaxDelivery), the
// rest (queued, processing, sending) only answered; 204 once recorded, 503
// while the store is unavailable, so that the service tries again.
func (s *Service) serveStatus(w http.ResponseWriter, r *http.Request) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/x-www-form-urlencoded" {
			plain(w, http.StatusUnsupportedMediaType, "want application/x-www-form-urlencoded")
			return
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxStatusBody))
	if err != nil {
		if tooBig := (*http.MaxBytesError)(nil); errors.As(err, &tooBig) {
			plain(w, http.StatusRequestEntityTooLarge, "request body too large")
			return
		}
		plain(w, http.StatusBadRequest, "cannot read request body")
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		plain(w, http.StatusBadRequest, "malformed form body")
		return
	}
	if !s.signed(r, form) {
		s.logger.LogAttrs(r.Context(), slog.LevelWarn, "fax status callback: signature missing or wrong",
			slog.String("remote", r.RemoteAddr), slog.String("url_checked", s.signedURL(r)))
		plain(w, http.StatusForbidden, "forbidden")
		return
	}
	id, mid := r.URL.Query().Get("ticket"), r.URL.Query().Get("message")
	state, detail, final := statusWords(form)
	if !final || id == "" || mid == "" {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if err := s.desk.FaxDelivery(r.Context(), id, mid, state, detail); err != nil {
		s.unavailable(w, r, err)
		return
	}
	s.logger.LogAttrs(r.Context(), slog.LevelInfo, "fax status", slog.String("ticket", id), slog.String("message", mid),
		slog.String("state", string(state)), slog.String("detail", detail))
	w.WriteHeader(http.StatusNoContent)
}

// signed reports whether r carries the service's signature over the URL it
// called and the form: X-Twilio-Signature, or SignalWire's
// X-SignalWire-Signature, computed the same way (HMAC-SHA1 over the URL and
// the sorted parameters) with fax.outbound's signing key.
func (s *Service) signed(r *http.Request, form url.Values) bool {
	if s.cfg.CallbackKey() == "" {
		return false
	}
	params := make(map[string]string, len(form))
	for k, v := range form {
		params[k] = v[0]
	}
	for _, h := range []string{"X-Twilio-Signature", "X-SignalWire-Signature"} {
		if sig := r.Header.Get(h); sig != "" && s.validator.Validate(s.signedURL(r), params, sig) {
			return true
		}
	}
	return false
}

// signedURL is the URL the service called and signed: the public URL, the
// path as sent and the query.
func (s *Service) signedURL(r *http.Request) string {
	u := s.publicURL + r.URL.EscapedPath()
	if r.URL.RawQuery != "" {
		u += "?" + r.URL.RawQuery
	}
	return u
}

// statusWords reads a status callback: the delivery state it means, the
// reason in words, and whether it is final. FaxStatus is Twilio's and
// SignalWire's name; ErrorCode and ErrorMessage say why a fax failed.
func statusWords(form url.Values) (ticket.Delivery, string, bool) {
	status := form.Get("FaxStatus")
	if status == "" {
		status = form.Get("Status")
	}
	why := oneLine(form.Get("ErrorMessage"))
	if code := form.Get("ErrorCode"); code != "" && code != "0" {
		why = fmt.Sprintf("%s (error %s)", why, oneLine(code))
		if form.Get("ErrorMessage") == "" {
			why = "error " + oneLine(code)
		}
	}
	sid := oneLine(form.Get("FaxSid"))
	var detail string
	state := ticket.DeliveryFailed
	switch status {
	case "delivered":
		state, detail = ticket.DeliveryDelivered, "the fax machine took it"
		if to := oneLine(form.Get("To")); to != "" {
			detail = "the fax machine at " + to + " took it"
		}
		if n, err := strconv.Atoi(form.Get("NumPages")); err == nil && n > 0 {
			detail = fmt.Sprintf("%s: %d %s", detail, n, plural(n, "page", "pages"))
		}
	case "busy":
		detail = "the line was busy"
	case "no-answer":
		detail = "no fax machine answered"
	case "canceled":
		detail = "it was canceled at the fax service"
	case "failed":
		detail = "the fax service could not deliver it"
	default:
		return "", "", false
	}
	if why != "" && state == ticket.DeliveryFailed {
		detail += ": " + why
	}
	if sid != "" {
		detail += "; fax " + sid
	}
	return state, detail, true
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
