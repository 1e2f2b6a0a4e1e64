package phonetickets

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"frontdesk/fault"
	"frontdesk/intake/phone"
	"frontdesk/jobs"
	"frontdesk/ticket"
)

// Job kinds on the media queue.
const (
	kindMedia       = "media"
	kindMissedCheck = "missed-check"
)

// mediaJob is the payload of a download: which URL, and onto which message.
type mediaJob struct {
	TicketID    string `json:"ticket"`
	MessageID   string `json:"message"`
	Source      string `json:"source"` // the attachment's source key: stored once
	URL         string `json:"url"`
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
}

// download queues a job that fetches url and attaches it to the message of
// rc. The job's id is the attachment's source key, so a redelivered webhook
// queues nothing new.
func (in *Intake) download(ctx context.Context, rc ticket.Receipt, source, mediaURL, filename, contentType string) error {
	if mediaURL == "" {
		return nil
	}
	payload, _ := json.Marshal(mediaJob{TicketID: rc.TicketID, MessageID: rc.MessageID, Source: source,
		URL: mediaURL, Filename: filename, ContentType: contentType})
	if err := in.media.Enqueue(ctx, jobs.Job{ID: source, Kind: kindMedia, Payload: payload}, time.Time{}); err != nil {
		return fmt.Errorf("queue download of %s: %w", source, err)
	}
	return nil
}

// HandleJob does one job of the media queue: a download, or the check that
// files a completed call without a recording as missed.
func (in *Intake) HandleJob(ctx context.Context, j jobs.Job) error {
	switch j.Kind {
	case kindMedia:
		var m mediaJob
		if err := json.Unmarshal(j.Payload, &m); err != nil {
			return jobs.Permanent(fmt.Errorf("media job %s: %w", j.ID, err))
		}
		return in.fetch(ctx, m)
	case kindMissedCheck:
		var mc missedCheck
		if err := json.Unmarshal(j.Payload, &mc); err != nil {
			return jobs.Permanent(fmt.Errorf("missed-call job %s: %w", j.ID, err))
		}
		c := phone.Common{From: mc.From, To: mc.To, Received: mc.Received}
		c.Number.Queue = mc.Queue
		ci, err := in.callInfo(ctx, mc.CallSID, c)
		if err != nil || ci.recording != "" {
			return err
		}
		return in.missedCall(ctx, mc.CallSID, c, "hung up before the tone")
	}
	return jobs.Permanent(fmt.Errorf("job %s: unknown kind %q", j.ID, j.Kind))
}

// maxMediaBytes caps one download; larger media are cut off and fail.
const maxMediaBytes = 64 << 20

// fetch downloads one medium and attaches it, under mediaFetcher's policy
// (fetch.go): https or twilio.api_url's origin only, public addresses only
// (but for twilio.api_url), the account's credentials only to Twilio. A URL
// the policy refuses fails the job for good at once, saying why.
func (in *Intake) fetch(ctx context.Context, m mediaJob) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	resp, err := in.fetcher.get(ctx, m.URL)
	if errors.Is(err, errRefused) {
		return jobs.Permanent(fmt.Errorf("download %s: %w", m.Source, err))
	}
	if err != nil {
		return fmt.Errorf("download %s: %w", m.Source, err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusOK:
	case resp.StatusCode == http.StatusNotFound, resp.StatusCode == http.StatusTooManyRequests, resp.StatusCode >= 500,
		resp.StatusCode == http.StatusUnauthorized, resp.StatusCode == http.StatusForbidden:
		// A recording is not always ready at once; rate limits, server
		// trouble and a credential being rotated pass: retried with
		// backoff, then slowly for a day (MediaSlowFor).
		return fmt.Errorf("download %s: %s", m.URL, resp.Status)
	default:
		return jobs.Permanent(fmt.Errorf("download %s: %s", m.URL, resp.Status))
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxMediaBytes+1))
	if err != nil {
		return fmt.Errorf("download %s: %w", m.URL, err)
	}
	if len(data) > maxMediaBytes {
		return jobs.Permanent(fmt.Errorf("download %s: larger than %d bytes", m.URL, maxMediaBytes))
	}
	ct := m.ContentType
	if h := resp.Header.Get("Content-Type"); h != "" {
		ct = h
	}
	_, err = in.store.AddAttachment(ctx, m.TicketID, m.MessageID, m.Source,
		ticket.NewAttachment{Filename: m.Filename, ContentType: ct, Data: data})
	if errors.Is(err, fault.ErrNotFound) || errors.Is(err, fault.ErrInvalid) {
		return jobs.Permanent(err)
	}
	return err
}
