package sms

import (
	"context"
	"fmt"
	"time"

	openapi "github.com/twilio/twilio-go/rest/api/v2010"

	"frontdesk/internal/twilioapi"
)

// Found is a text Twilio has on record.
type Found struct {
	SID    string
	Status string // queued, sending, sent, delivered, undelivered, failed…
}

// FindSent looks for the texts Twilio took from one number to another with
// body, sent on or after the day of after (Messages filtered by To, From
// and DateSent>=, the first 100), created no earlier than after when Twilio
// says when: whether a send whose answer was lost reached Twilio. Canceled
// texts do not count. It returns them all, as Twilio lists them (newest
// first), none when there is none: identical texts (an acknowledgement, a
// short "Thanks") may be several, and which one is whose the caller decides
// (ticket.Store.ClaimSent).
func (s *Sender) FindSent(ctx context.Context, from, to, body string, after time.Time) ([]Found, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p := &openapi.ListMessageParams{}
	p.SetTo(to)
	p.SetFrom(from)
	p.SetDateSentAfter(after.UTC())
	p.SetPageSize(100)
	p.SetLimit(100)
	list, err := twilioapi.API(ctx, s.cfg).ListMessage(p)
	var out []Found
	if err != nil {
		return nil, fmt.Errorf("list texts to %s: %w", to, err)
	}
	for _, m := range list {
		if m.To == nil || *m.To != to || m.From == nil || *m.From != from || m.Body == nil || *m.Body != body || m.Sid == nil {
			continue
		}
		status := ""
		if m.Status != nil {
			status = *m.Status
		}
		if status == "canceled" {
			continue
		}
		if m.DateCreated != nil {
			if at, err := time.Parse(time.RFC1123Z, *m.DateCreated); err == nil && at.Before(after) {
				continue
			}
		}
		out = append(out, Found{SID: *m.Sid, Status: status})
	}
	return out, nil
}
