package fax

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"regexp"
	"strconv"
	"time"

	"frontdesk/fault"
)

// mediaPath is where the service fetches a fax's PDF:
// /fax/media/{ticket}/{attachment}?exp=UNIX&sig=HEX.
const mediaPath = "/fax/media/"

// maxMediaTTL bounds the expiry a link may carry, whatever it was signed
// with: fax.outbound.media_ttl's largest.
const maxMediaTTL = 168 * time.Hour

// MediaURL is the link the service fetches the PDF attachment att of
// ticket id from: under http.public_url, valid for fax.outbound.media_ttl
// from now, for that file only.
func (s *Service) MediaURL(ctx context.Context, id, att string) (string, error) {
	key, err := s.secret(ctx)
	if err != nil {
		return "", err
	}
	exp := strconv.FormatInt(s.now().Add(s.cfg.MediaTTL).Unix(), 10)
	return s.publicURL + mediaPath + id + "/" + att + "?exp=" + exp + "&sig=" + mediaSig(key, id, att, exp), nil
}

// mediaSig is a media link's signature: HMAC-SHA256 with the deployment's
// secret over the link's purpose, ticket, attachment and expiry, in hex.
// The purpose keeps it apart from the secret's other uses (Message-IDs).
func mediaSig(key []byte, id, att, exp string) string {
	h := hmac.New(sha256.New, key)
	h.Write([]byte("fax-media\x00" + id + "\x00" + att + "\x00" + exp))
	return hex.EncodeToString(h.Sum(nil))
}

// idPart is what a ticket or attachment id in a media link may be.
var idPart = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// serveMedia answers GET /fax/media/{ticket}/{attachment}: the PDF, when
// the link's signature is right and it has not expired; 403 otherwise,
// saying which, and 404 for a file that is gone or is not a PDF.
func (s *Service) serveMedia(w http.ResponseWriter, r *http.Request) {
	id, att := r.PathValue("ticket"), r.PathValue("attachment")
	q := r.URL.Query()
	exp, sig := q.Get("exp"), q.Get("sig")
	if !idPart.MatchString(id) || !idPart.MatchString(att) {
		plain(w, http.StatusNotFound, "not found")
		return
	}
	key, err := s.secret(r.Context())
	if err != nil {
		s.unavailable(w, r, err)
		return
	}
	until, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || !hmac.Equal([]byte(sig), []byte(mediaSig(key, id, att, exp))) {
		plain(w, http.StatusForbidden, "this link is not valid")
		return
	}
	now := s.now()
	if now.Unix() > until || time.Unix(until, 0).Sub(now) > maxMediaTTL+time.Minute {
		plain(w, http.StatusForbidden, "this link has expired")
		return
	}
	a, data, err := s.desk.Store().Attachment(r.Context(), id, att)
	switch {
	case errors.Is(err, fault.ErrNotFound), errors.Is(err, fault.ErrTooLarge), err == nil && a.ContentType != "application/pdf":
		plain(w, http.StatusNotFound, "not found")
		return
	case err != nil:
		s.unavailable(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/pdf")
	h.Set("Content-Length", strconv.Itoa(len(data)))
	h.Set("Content-Disposition", mime.FormatMediaType("inline", map[string]string{"filename": a.Filename}))
	h.Set("Cache-Control", "private, no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Robots-Tag", "noindex")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(data) // the service hung up: it fetches again or reports a failure
	}
	s.logger.LogAttrs(r.Context(), slog.LevelInfo, "fax PDF fetched", slog.String("ticket", id), slog.String("attachment", att))
}

// unavailable answers 503 when the store cannot be reached (the service
// tries again), else 500, and logs why.
func (s *Service) unavailable(w http.ResponseWriter, r *http.Request, err error) {
	if fault.IsUnavailable(err) {
		w.Header().Set("Retry-After", "5")
		plain(w, http.StatusServiceUnavailable, "service unavailable")
		return
	}
	s.logger.LogAttrs(r.Context(), slog.LevelError, "fax service request failed", slog.String("path", r.URL.Path), slog.Any("error", err))
	plain(w, http.StatusInternalServerError, "internal server error")
}

// plain answers with a short text.
func plain(w http.ResponseWriter, status int, msg string) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, msg+"\n")
}
