package phone

import (
	"strconv"

	"github.com/twilio/twilio-go/twiml"
)

// TwiML answers (https://www.twilio.com/docs/voice/twiml), built with
// twilio-go's twiml package.

// twimlEmpty is the empty answer to an incoming text: no reply.
var twimlEmpty = mustTwiML(twiml.Messages(nil))

// twimlHangup ends the call.
var twimlHangup = mustTwiML(twiml.Voice([]twiml.Element{twiml.VoiceHangup{}}))

func mustTwiML(s string, err error) []byte {
	if err != nil {
		panic("phone: build TwiML: " + err.Error())
	}
	return []byte(s)
}

// voiceURLs are the absolute URLs <Record> points Twilio at.
type voiceURLs struct {
	action, recording, transcription string
}

// voicemailTwiML returns the TwiML that greets the caller and records a
// voicemail (https://www.twilio.com/docs/voice/twiml/record) of at most
// maxLength seconds, transcribed when transcribe is set.
func voicemailTwiML(u voiceURLs, greeting string, maxLength int, transcribe bool) ([]byte, error) {
	rec := twiml.VoiceRecord{
		Action:                       u.action,
		MaxLength:                    strconv.Itoa(maxLength),
		Trim:                         "trim-silence",
		FinishOnKey:                  "#",
		PlayBeep:                     "true",
		RecordingStatusCallback:      u.recording,
		RecordingStatusCallbackEvent: "completed",
	}
	if transcribe {
		rec.Transcribe = "true"
		rec.TranscribeCallback = u.transcription
	}
	var verbs []twiml.Element
	if greeting != "" {
		verbs = append(verbs, twiml.VoiceSay{Message: greeting})
	}
	s, err := twiml.Voice(append(verbs, rec))
	if err != nil {
		return nil, err
	}
	return []byte(s), nil
}

// atoi parses a count Twilio sent; absent or malformed is 0.
func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0
	}
	return n
}
