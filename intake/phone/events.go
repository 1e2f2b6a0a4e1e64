package phone

import (
	"context"
	"time"

	"frontdesk/config"
)

// Sink stores the events the webhooks receive. It is implemented outside
// this package. Every method must be idempotent: Twilio delivers the same
// event again when it got no 2xx answer in time, so an event already stored
// must return nil and create nothing new.
//
// A method's error decides the answer: fault.IsUnavailable(err) answers 503
// with Retry-After, so that Twilio tries again; any other error answers 500.
type Sink interface {
	// Call is called for an incoming call, before the greeting is
	// answered. The Sink may remember From and To by CallSid for the
	// callbacks that follow, which need not carry them.
	Call(ctx context.Context, c Call) error
	// Recording is called when a voicemail's recording is complete.
	Recording(ctx context.Context, r Recording) error
	// Transcription is called when a voicemail's transcript is ready or
	// has failed.
	Transcription(ctx context.Context, t Transcription) error
	// CallStatus is called when a call's status changes (at least its
	// end: completed, busy, no-answer, failed, canceled).
	CallStatus(ctx context.Context, s CallStatus) error
	// SMS is called for an incoming SMS or MMS.
	SMS(ctx context.Context, m SMS) error
	// Fax is called for a fax callback.
	Fax(ctx context.Context, f Fax) error
}

// Common holds what every event carries.
type Common struct {
	// AccountSID is Twilio's AccountSid.
	AccountSID string
	// From is Twilio's From: the caller's or sender's number, usually in
	// E.164 form; empty when Twilio did not send it.
	From string
	// To is Twilio's To: our number that was called or texted; empty when
	// Twilio did not send it (recording and transcription callbacks need
	// not).
	To string
	// IdempotencyToken is the I-Twilio-Idempotency-Token header, the same
	// on every delivery of one event; empty when absent.
	IdempotencyToken string
	// Number is our number, resolved from To. For a To not among the
	// configured numbers (or none) it is Number{Number: To, Queue:
	// twilio.default_queue}, and KnownNumber is false.
	Number config.Number
	// KnownNumber reports whether To is one of the configured numbers.
	KnownNumber bool
	// Received is when the request arrived.
	Received time.Time
}

// Call is an incoming call (POST /twilio/voice).
type Call struct {
	Common
	// CallSID is Twilio's CallSid.
	CallSID string
	// CallerName is Twilio's CallerName, present only when caller name
	// lookup is enabled on the number.
	CallerName string
}

// Recording is a recording status callback (POST /twilio/voice/recording).
type Recording struct {
	Common
	// CallSID is Twilio's CallSid.
	CallSID string
	// RecordingSID is Twilio's RecordingSid.
	RecordingSID string
	// RecordingURL is Twilio's RecordingUrl, without a file extension
	// (append ".mp3" or ".wav"; fetching needs the account's credentials
	// when the account enforces HTTP authentication on media).
	RecordingURL string
	// RecordingStatus is Twilio's RecordingStatus: "completed", "absent"
	// (nothing was said) or "failed".
	RecordingStatus string
	// DurationSeconds is Twilio's RecordingDuration; 0 when absent.
	DurationSeconds int
	// ErrorCode is Twilio's ErrorCode; "0" or empty when there was none.
	ErrorCode string
}

// Transcription is a transcription callback (POST
// /twilio/voice/transcription).
type Transcription struct {
	Common
	// CallSID is Twilio's CallSid.
	CallSID string
	// RecordingSID is Twilio's RecordingSid.
	RecordingSID string
	// TranscriptionSID is Twilio's TranscriptionSid.
	TranscriptionSID string
	// TranscriptionText is Twilio's TranscriptionText.
	TranscriptionText string
	// TranscriptionStatus is Twilio's TranscriptionStatus: "completed" or
	// "failed".
	TranscriptionStatus string
}

// CallStatus is a call status callback (POST /twilio/voice/status).
type CallStatus struct {
	Common
	// CallSID is Twilio's CallSid.
	CallSID string
	// CallStatus is Twilio's CallStatus: queued, ringing, in-progress,
	// completed, busy, failed, no-answer or canceled.
	CallStatus string
	// DurationSeconds is Twilio's CallDuration, sent once the call has
	// ended; 0 when absent.
	DurationSeconds int
}

// SMS is an incoming SMS or MMS (POST /twilio/sms).
type SMS struct {
	Common
	// MessageSID is Twilio's MessageSid.
	MessageSID string
	// Body is Twilio's Body.
	Body string
	// Media are the MMS attachments, from Twilio's NumMedia, MediaUrl0…
	// and MediaContentType0…, in order.
	Media []Media
}

// Media is one MMS attachment.
type Media struct {
	// URL is Twilio's MediaUrlN.
	URL string
	// ContentType is Twilio's MediaContentTypeN.
	ContentType string
}

// Fax is a fax callback in the form of Twilio's (now retired) Programmable
// Fax and of SignalWire's compatible API (POST /twilio/fax).
type Fax struct {
	Common
	// FaxSID is Twilio's FaxSid.
	FaxSID string
	// FaxStatus is Twilio's FaxStatus: "received", "failed", …
	FaxStatus string
	// NumPages is Twilio's NumPages; 0 when absent.
	NumPages int
	// MediaURL is Twilio's MediaUrl: the PDF of the fax.
	MediaURL string
	// ErrorCode is Twilio's ErrorCode; empty when there was none.
	ErrorCode string
	// ErrorMessage is Twilio's ErrorMessage; empty when there was none.
	ErrorMessage string
}
