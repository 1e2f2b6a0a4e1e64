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
func (w *Webhooks) sms(ctx context.Context, form url.Values, c Common) (answer, error) {
	m := SMS{
		Common:     c,
		MessageSID: form.Get("MessageSid"),
		Body:       form.Get("Body"),
	}
	if m.MessageSID == "" {
		// Older callbacks name it SmsMessageSid (or SmsSid).
		m.MessageSID = form.Get("SmsMessageSid")
	}
	if m.MessageSID == "" {
		return answer{}, fmt.Errorf("%w: no MessageSid", errBadRequest)
	}
	for i := range min(atoi(form.Get("NumMedia")), maxMedia) {
		n := strconv.Itoa(i)
		u := form.Get("MediaUrl" + n)
		if u == "" {
			continue
		}
		m.Media = append(m.Media, Media{URL: u, ContentType: form.Get("MediaContentType" + n)})
	}
	if err := w.sink.SMS(ctx, m); err != nil {
		return answer{}, fmt.Errorf("sms %s: %w", m.MessageSID, err)
	}
	return answer{status: http.StatusOK, twiml: twimlEmpty}, nil
}
