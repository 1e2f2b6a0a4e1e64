package phone

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
)

// callback is the event of a callback: store hands it to the Sink, and once
// it is stored Twilio hears 204.
func callback(store func(ctx context.Context, s Sink) error) event {
	return event{store: store, answer: answer{status: http.StatusNoContent}}
}

// recording receives a recording status callback.
func (w *Webhooks) recording(form url.Values, c Common) (event, error) {
	if err := w.checkSIDs(form, callSID, recordingSID); err != nil {
		return event{}, err
	}
	r := Recording{
		Common:          c,
		CallSID:         form.Get("CallSid"),
		RecordingSID:    form.Get("RecordingSid"),
		RecordingURL:    form.Get("RecordingUrl"),
		RecordingStatus: form.Get("RecordingStatus"),
		DurationSeconds: atoi(form.Get("RecordingDuration")),
		ErrorCode:       form.Get("ErrorCode"),
	}
	return callback(func(ctx context.Context, s Sink) error {
		if err := s.Recording(ctx, r); err != nil {
			return fmt.Errorf("recording %s of call %s: %w", r.RecordingSID, r.CallSID, err)
		}
		return nil
	}), nil
}

// transcription receives a transcription callback.
func (w *Webhooks) transcription(form url.Values, c Common) (event, error) {
	if err := w.checkSIDs(form, callSID, recordingSID, transcriptionSID); err != nil {
		return event{}, err
	}
	t := Transcription{
		Common:              c,
		CallSID:             form.Get("CallSid"),
		RecordingSID:        form.Get("RecordingSid"),
		TranscriptionSID:    form.Get("TranscriptionSid"),
		TranscriptionText:   form.Get("TranscriptionText"),
		TranscriptionStatus: form.Get("TranscriptionStatus"),
	}
	return callback(func(ctx context.Context, s Sink) error {
		if err := s.Transcription(ctx, t); err != nil {
			return fmt.Errorf("transcription %s of call %s: %w", t.TranscriptionSID, t.CallSID, err)
		}
		return nil
	}), nil
}

// callStatus receives a call status callback.
func (w *Webhooks) callStatus(form url.Values, c Common) (event, error) {
	if err := w.checkSIDs(form, callSID); err != nil {
		return event{}, err
	}
	s := CallStatus{
		Common:          c,
		CallSID:         form.Get("CallSid"),
		CallStatus:      form.Get("CallStatus"),
		DurationSeconds: atoi(form.Get("CallDuration")),
	}
	return callback(func(ctx context.Context, sink Sink) error {
		if err := sink.CallStatus(ctx, s); err != nil {
			return fmt.Errorf("status %q of call %s: %w", s.CallStatus, s.CallSID, err)
		}
		return nil
	}), nil
}
