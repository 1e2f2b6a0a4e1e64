package desk

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"frontdesk/fault"
	"frontdesk/ticket"
)

// FeedbackWindow is how long after a customer's first answer to "Was this
// helpful?" they may change it.
const FeedbackWindow = 24 * time.Hour

// MaxFeedbackComment is the longest comment kept with an answer, in
// characters (as the page's textarea counts them: a line break is one).
const MaxFeedbackComment = 2000

// feedbackPath is where the links of closing replies lead:
// /feedback/{ticket}?a=good|bad&s=SIGNATURE.
const feedbackPath = "/feedback/"

// feedbackSig signs a ticket's feedback links: HMAC-SHA256 with the
// deployment's secret (as fax media links and Message-IDs are signed) over
// the purpose and the ticket, in hex. The links do not expire: the page
// only asks, and the store refuses a change after FeedbackWindow.
func feedbackSig(key []byte, id string) string {
	h := hmac.New(sha256.New, key)
	h.Write([]byte("feedback\x00" + id))
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// FeedbackURL is the link a closing reply on ticket id carries for the
// answer good (a thumbs up) or not, under http.public_url.
func (d *Desk) FeedbackURL(ctx context.Context, id string, good bool) (string, error) {
	key, err := d.store.Secret(ctx)
	if err != nil {
		return "", fmt.Errorf("feedback link of ticket %s: %w", id, err)
	}
	a := "bad"
	if good {
		a = "good"
	}
	return d.cfg.HTTP.PublicURL + feedbackPath + url.PathEscape(id) + "?a=" + a + "&s=" + feedbackSig(key, id), nil
}

// CheckFeedback refuses (fault.ErrInvalid) a feedback link's signature sig
// that is not ticket id's.
func (d *Desk) CheckFeedback(ctx context.Context, id, sig string) error {
	key, err := d.store.Secret(ctx)
	if err != nil {
		return fmt.Errorf("check a feedback link: %w", err)
	}
	if !hmac.Equal([]byte(sig), []byte(feedbackSig(key, id))) {
		return fmt.Errorf("%w: this link is not valid", fault.ErrInvalid)
	}
	return nil
}

// GivenFeedback returns the answer already recorded through ticket id's
// signed link (sig), nil when there is none, and until when it may still
// be changed (zero when no longer). A wrong signature is fault.ErrInvalid.
func (d *Desk) GivenFeedback(ctx context.Context, id, sig string) (*ticket.Feedback, time.Time, error) {
	if err := d.CheckFeedback(ctx, id, sig); err != nil {
		return nil, time.Time{}, err
	}
	rs, ok := d.store.(ticket.ReportStore)
	if !ok {
		return nil, time.Time{}, nil
	}
	fb, given, err := rs.TicketFeedback(ctx, id)
	if err != nil || !given {
		return nil, time.Time{}, err
	}
	until := fb.At.Add(FeedbackWindow)
	if d.now().After(until) { // as feedback.lua: changeable up to the window's end
		until = time.Time{}
	}
	return &fb, until, nil
}

// RecordFeedback records a customer's answer through a signed link: an
// event on the ticket, counted in the reports. Refused: a wrong signature
// (fault.ErrInvalid), a comment over MaxFeedbackComment (fault.ErrTooLarge),
// a change after FeedbackWindow (fault.ErrConflict).
func (d *Desk) RecordFeedback(ctx context.Context, id, sig string, good bool, comment string) error {
	if err := d.CheckFeedback(ctx, id, sig); err != nil {
		return err
	}
	// Browsers send a textarea's line breaks as CRLF but count them as one
	// character against its maxlength.
	// A stray byte that is not UTF-8 is no reason to lose the answer, nor
	// is it a comment too long: it is kept as U+FFFD.
	comment = strings.ToValidUTF8(comment, "\uFFFD")
	comment = strings.TrimSpace(strings.ReplaceAll(comment, "\r\n", "\n"))
	if utf8.RuneCountInString(comment) > MaxFeedbackComment {
		return fmt.Errorf("%w: comment: at most %d characters", fault.ErrTooLarge, MaxFeedbackComment)
	}
	rs, ok := d.store.(ticket.ReportStore)
	if !ok {
		return fmt.Errorf("record feedback: the store keeps none: %w", fault.ErrConflict)
	}
	return rs.RecordFeedback(ctx, id, ticket.Feedback{Good: good, Comment: comment}, FeedbackWindow)
}

// withFeedback adds the "Was this helpful?" links to the text of a reply
// that closes ticket t by mail, when feedback.enabled.
func (d *Desk) withFeedback(ctx context.Context, t *ticket.Ticket, text string, closing bool) (string, error) {
	if !d.cfg.Feedback.Enabled || !closing || t.Channel != ticket.ChannelEmail || d.cfg.HTTP.PublicURL == "" {
		return text, nil
	}
	good, err := d.FeedbackURL(ctx, t.ID, true)
	if err != nil {
		return "", err
	}
	bad, err := d.FeedbackURL(ctx, t.ID, false)
	if err != nil {
		return "", err
	}
	return strings.TrimRight(text, "\n") + "\n\n--\nWas this helpful?\n👍 Yes: " + good + "\n👎 No: " + bad + "\n", nil
}
