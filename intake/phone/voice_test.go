package phone

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"reflect"
	"testing"
	"time"
)

// parsedTwiML is a voice answer as Twilio reads it.
type parsedTwiML struct {
	XMLName xml.Name `xml:"Response"`
	Verbs   []struct {
		XMLName xml.Name
		Attrs   []xml.Attr `xml:",any,attr"`
		Text    string     `xml:",chardata"`
	} `xml:",any"`
}

func parseTwiML(t *testing.T, body string) parsedTwiML {
	t.Helper()
	var p parsedTwiML
	if err := xml.Unmarshal([]byte(body), &p); err != nil {
		t.Fatalf("TwiML %q: %v", body, err)
	}
	return p
}

func TestVoice(t *testing.T) {
	tests := []struct {
		name       string
		to         string
		at         time.Time
		say        string
		maxLength  string
		transcribe bool
		known      bool
		queue      string
	}{
		{"open", "+15555550100", openTime, "Hello from support.", "180", true, true, "phone"},
		{"closed", "+15555550100", closedTime, "We are closed.", "180", true, true, "phone"},
		{"no business hours", "+15555550101", closedTime, "Hello from sales.", "90", false, true, "sales"},
		{"unknown number", "+15555550199", openTime, "Thank you for calling. Please leave a message after the tone, and we will get back to you.", "120", false, false, "support"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, nil)
			e.clock.set(tt.at)
			params := url.Values{
				"AccountSid": {testAccount},
				"CallSid":    {sid("CA", 1)},
				"From":       {"+31612345678"},
				"To":         {tt.to},
				"CallerName": {"Ann Lee"},
				"CallStatus": {"ringing"},
				"Direction":  {"inbound"},
			}
			resp, body := e.post(t, pathVoice, params, "")
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "text/xml; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}

			// The call reached the sink, with the number resolved.
			events := e.sink.stored()
			if len(events) != 1 {
				t.Fatalf("sink got %d events", len(events))
			}
			c := events[0].(Call)
			if c.CallSID != sid("CA", 1) || c.CallerName != "Ann Lee" || c.From != "+31612345678" || c.To != tt.to ||
				c.AccountSID != testAccount || !c.Received.Equal(tt.at) ||
				c.KnownNumber != tt.known || c.Number.Number != tt.to || c.Number.Queue != tt.queue {
				t.Errorf("call %+v", c)
			}

			// The TwiML: <Say> then <Record>.
			p := parseTwiML(t, body)
			if len(p.Verbs) != 2 || p.Verbs[0].XMLName.Local != "Say" || p.Verbs[1].XMLName.Local != "Record" {
				t.Fatalf("verbs in %s", body)
			}
			if p.Verbs[0].Text != tt.say {
				t.Errorf("Say %q, want %q", p.Verbs[0].Text, tt.say)
			}
			want := map[string]string{
				"action":                       e.srv.URL + "/twilio/voice/after-record",
				"maxLength":                    tt.maxLength,
				"trim":                         "trim-silence",
				"finishOnKey":                  "#",
				"playBeep":                     "true",
				"recordingStatusCallback":      e.srv.URL + "/twilio/voice/recording",
				"recordingStatusCallbackEvent": "completed",
			}
			if tt.transcribe {
				want["transcribe"] = "true"
				want["transcribeCallback"] = e.srv.URL + "/twilio/voice/transcription"
			}
			got := map[string]string{}
			for _, a := range p.Verbs[1].Attrs {
				got[a.Name.Local] = a.Value
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Record attributes\n got %v\nwant %v", got, want)
			}
		})
	}
}

func TestGreetingDefaults(t *testing.T) {
	e := newEnv(t, nil)
	n := testNumbers[0]
	n.AfterHoursGreeting = ""
	if g := e.wh.greeting(n, closedTime); g != n.Greeting {
		t.Errorf("closed without after-hours greeting: %q, want the greeting", g)
	}
	n.Greeting = ""
	if g := e.wh.greeting(n, closedTime); g == "" || g == testNumbers[0].Greeting {
		t.Errorf("closed without greetings: %q", g)
	}
	n.BusinessHours = "nosuchcalendar"
	n.Greeting = "hi"
	if g := e.wh.greeting(n, closedTime); g != "hi" {
		t.Errorf("unknown calendar: %q, want always open", g)
	}
}

func TestAfterRecordHangsUp(t *testing.T) {
	e := newEnv(t, nil)
	resp, body := e.post(t, pathAfterRecord, url.Values{
		"AccountSid": {testAccount}, "CallSid": {sid("CA", 1)}, "RecordingSid": {sid("RE", 1)}, "RecordingUrl": {"https://api.twilio.com/x"},
		"RecordingDuration": {"12"}, "Digits": {"#"},
	}, "")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/xml; charset=utf-8" {
		t.Fatalf("status %d, %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	p := parseTwiML(t, body)
	if len(p.Verbs) != 1 || p.Verbs[0].XMLName.Local != "Hangup" {
		t.Errorf("answer %s, want <Response><Hangup/></Response>", body)
	}
	if ev := e.sink.stored(); len(ev) != 0 {
		t.Errorf("sink got %v", ev)
	}
}
