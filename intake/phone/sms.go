package phone

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// maxMedia bounds NumMedia; Twilio sends at most 10.
const maxMedia = 100

// sms receives an incoming SMS or MMS and answers empty TwiML: no reply
// from Twilio itself (replies are sent by the responders).
func (w *Webhooks) sms(form url.Values, c Common) (event, error) {
	sid := messageSID
	if form.Get(sid.name) == "" && form.Get(smsMessageSID.name) != "" {
		sid = smsMessageSID // the older name
	}
	if err := w.checkSIDs(form, sid); err != nil {
		return event{}, err
	}
	m := SMS{
		Common:     c,
		MessageSID: form.Get(sid.name),
		Body:       form.Get("Body"),
	}
	for i := range min(atoi(form.Get("NumMedia")), maxMedia) {
		n := strconv.Itoa(i)
		u := form.Get("MediaUrl" + n)
		if u == "" {
			continue
		}
		m.Media = append(m.Media, Media{URL: u, ContentType: form.Get("MediaContentType" + n)})
	}
	return event{
		store: func(ctx context.Context, s Sink) error {
			if err := s.SMS(ctx, m); err != nil {
				return fmt.Errorf("sms %s: %w", m.MessageSID, err)
			}
			return nil
		},
		answer: answer{status: http.StatusOK, twiml: twimlEmpty},
	}, nil
}
