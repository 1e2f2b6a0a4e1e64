package phone

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
)

// noContent is the answer to a callback whose event was stored.
var noContent = answer{status: http.StatusNoContent}

// recording receives a recording status callback.
func (w *Webhooks) recording(ctx context.Context, form url.Values, c Common) (answer, error) {
	if err := w.checkSIDs(form, callSID, recordingSID); err != nil {
		return answer{}, err
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
	if err := w.sink.Recording(ctx, r); err != nil {
		return answer{}, fmt.Errorf("recording %s of call %s: %w", r.RecordingSID, r.CallSID, err)
	}
	return noContent, nil
}

// transcription receives a transcription callback.
func (w *Webhooks) transcription(ctx context.Context, form url.Values, c Common) (answer, error) {
	if err := w.checkSIDs(form, callSID, recordingSID, transcriptionSID); err != nil {
		return answer{}, err
	}
	t := Transcription{
		Common:              c,
		CallSID:             form.Get("CallSid"),
		RecordingSID:        form.Get("RecordingSid"),
		TranscriptionSID:    form.Get("TranscriptionSid"),
		TranscriptionText:   form.Get("TranscriptionText"),
		TranscriptionStatus: form.Get("TranscriptionStatus"),
	}
	if err := w.sink.Transcription(ctx, t); err != nil {
		return answer{}, fmt.Errorf("transcription %s of call %s: %w", t.TranscriptionSID, t.CallSID, err)
	}
	return noContent, nil
}

// callStatus receives a call status callback.
func (w *Webhooks) callStatus(ctx context.Context, form url.Values, c Common) (answer, error) {
	if err := w.checkSIDs(form, callSID); err != nil {
		return answer{}, err
	}
	s := CallStatus{
		Common:          c,
		CallSID:         form.Get("CallSid"),
		CallStatus:      form.Get("CallStatus"),
		DurationSeconds: atoi(form.Get("CallDuration")),
	}
	if err := w.sink.CallStatus(ctx, s); err != nil {
		return answer{}, fmt.Errorf("status %q of call %s: %w", s.CallStatus, s.CallSID, err)
	}
	return noContent, nil
}
