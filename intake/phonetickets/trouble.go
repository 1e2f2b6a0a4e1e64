package phonetickets

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"time"

	"frontdesk/jobs"
	"frontdesk/ticket"
)

// MediaSlowFor is how long a download keeps being tried, slowly, after its
// quick tries failed: a recording Twilio cannot serve for an hour, or a
// credential being rotated, is still fetched the same day.
const MediaSlowFor = 24 * time.Hour

// Struggling leaves a warning on the ticket of a download whose quick tries
// all failed (jobs.Options.Struggling): "The recording could not be
// downloaded: …", and that frontdesk keeps trying for a day.
func (in *Intake) Struggling(ctx context.Context, j jobs.Job, err error) {
	in.trouble(ctx, j, err, "frontdesk keeps trying for a day.")
}

// Dead leaves a warning on the ticket of a download that gave up
// (jobs.Options.Dead): a manager can try it again on the Undelivered page
// (or `frontdesk jobs retry -queue media`).
func (in *Intake) Dead(ctx context.Context, j jobs.Job, err error) {
	in.trouble(ctx, j, err, "frontdesk gave up; a manager can try again on the Undelivered page.")
}

// trouble writes the warning event of job j on its ticket, in the words of
// the ticket page.
func (in *Intake) trouble(ctx context.Context, j jobs.Job, cause error, then string) {
	if j.Kind != kindMedia {
		in.logger.Warn("a phone job keeps failing", slog.String("job", j.ID), slog.String("kind", j.Kind), slog.Any("error", cause))
		return
	}
	var m mediaJob
	if err := json.Unmarshal(j.Payload, &m); err != nil || m.TicketID == "" {
		return
	}
	what := "The file"
	switch ct := strings.ToLower(m.ContentType); {
	case strings.HasPrefix(ct, "audio/"):
		what = "The recording"
	case strings.HasPrefix(ct, "image/"):
		what = "The picture"
	case ct == "application/pdf":
		what = "The fax"
	}
	reason := "the download failed"
	if cause != nil {
		reason = cause.Error()
	}
	e := ticket.Event{Type: "warning", By: "intake:twilio", Detail: what + " of " + m.MessageID + " could not be downloaded: " + reason + ". " + then}
	if err := in.store.AddEvent(context.WithoutCancel(ctx), m.TicketID, e); err != nil {
		in.logger.Warn("a download's warning could not be recorded", slog.String("ticket", m.TicketID), slog.Any("error", err))
	}
}
