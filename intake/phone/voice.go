package phone

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"frontdesk/config"
)

// defaultMaxRecording is the voicemail limit for a number without one (an
// unknown number), matching config's default.
const defaultMaxRecording = 2 * time.Minute

// voice answers an incoming call: the Sink learns of it, then the caller
// hears the number's greeting and leaves a voicemail.
func (w *Webhooks) voice(form url.Values, c Common) (event, error) {
	if err := w.checkSIDs(form, callSID); err != nil {
		return event{}, err
	}
	call := Call{
		Common:     c,
		CallSID:    form.Get("CallSid"),
		CallerName: form.Get("CallerName"),
	}
	n := c.Number
	maxLength := n.MaxRecordingLength
	if maxLength <= 0 {
		maxLength = defaultMaxRecording
	}
	b, err := voicemailTwiML(w.voiceRecord, w.greeting(n, c.Received), int(maxLength/time.Second), n.Transcribe)
	if err != nil {
		return event{}, fmt.Errorf("call %s: write TwiML: %w", call.CallSID, err)
	}
	return event{
		store: func(ctx context.Context, s Sink) error {
			if err := s.Call(ctx, call); err != nil {
				return fmt.Errorf("call %s: %w", call.CallSID, err)
			}
			return nil
		},
		answer: answer{status: http.StatusOK, twiml: b},
	}, nil
}

// greeting returns what the caller hears before the tone: the number's
// after-hours greeting when it has business hours and they are closed at
// now, else its greeting. A number without one (an unknown number) gets
// config's default.
func (w *Webhooks) greeting(n config.Number, now time.Time) string {
	if n.BusinessHours != "" {
		// An unknown calendar name cannot pass config validation; such a
		// number is treated as always open.
		if cal, ok := w.opts.Calendars[n.BusinessHours]; ok && !cal.IsOpen(now) {
			switch {
			case n.AfterHoursGreeting != "":
				return n.AfterHoursGreeting
			case n.Greeting != "":
				return n.Greeting
			}
			return config.DefaultAfterHours
		}
	}
	if n.Greeting != "" {
		return n.Greeting
	}
	return config.DefaultGreeting
}

// afterRecord is <Record>'s action: the voicemail is over, hang up.
// (Without an action Twilio would request the voice URL again.) The
// recording itself arrives at /twilio/voice/recording. Nothing is stored,
// so only the account is checked.
func (w *Webhooks) afterRecord(form url.Values, _ Common) (event, error) {
	if err := w.checkSIDs(form); err != nil {
		return event{}, err
	}
	return event{answer: answer{status: http.StatusOK, twiml: twimlHangup}}, nil
}
