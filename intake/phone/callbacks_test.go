package phone

import (
	"net/http"
	"net/url"
	"reflect"
	"testing"

	"frontdesk/config"
)

// TestEvents posts each webhook's form and checks the event the sink gets
// and the answer.
func TestEvents(t *testing.T) {
	support := testNumbers[0]
	common := func(from, to string, n config.Number, known bool) Common {
		return Common{AccountSID: testAccount, From: from, To: to,
			IdempotencyToken: "idem-1", Number: n, KnownNumber: known, Received: openTime}
	}
	tests := []struct {
		name   string
		path   string
		form   url.Values
		want   any
		status int
		body   string
	}{
		{
			name: "recording", path: pathRecording,
			form: url.Values{"CallSid": {sid("CA", 1)}, "RecordingSid": {sid("RE", 1)}, "RecordingUrl": {"https://api.twilio.com/2010-04-01/Accounts/AC0/Recordings/RE1"},
				"RecordingStatus": {"completed"}, "RecordingDuration": {"42"}, "RecordingChannels": {"1"}, "RecordingSource": {"RecordVerb"}, "ErrorCode": {"0"}},
			want: Recording{Common: common("", "", config.Number{Queue: "support"}, false), CallSID: sid("CA", 1), RecordingSID: sid("RE", 1),
				RecordingURL: "https://api.twilio.com/2010-04-01/Accounts/AC0/Recordings/RE1", RecordingStatus: "completed", DurationSeconds: 42, ErrorCode: "0"},
			status: http.StatusNoContent,
		},
		{
			name: "transcription", path: pathTranscription,
			form: url.Values{"CallSid": {sid("CA", 1)}, "RecordingSid": {sid("RE", 1)}, "TranscriptionSid": {sid("TR", 1)}, "TranscriptionText": {"Hi, my order is late."},
				"TranscriptionStatus": {"completed"}, "From": {"+31612345678"}, "To": {"+15555550100"}, "TranscriptionType": {"fast"}},
			want: Transcription{Common: common("+31612345678", "+15555550100", support, true), CallSID: sid("CA", 1), RecordingSID: sid("RE", 1),
				TranscriptionSID: sid("TR", 1), TranscriptionText: "Hi, my order is late.", TranscriptionStatus: "completed"},
			status: http.StatusNoContent,
		},
		{
			name: "call status", path: pathStatus,
			form:   url.Values{"CallSid": {sid("CA", 1)}, "CallStatus": {"no-answer"}, "CallDuration": {"0"}, "From": {"+31612345678"}, "To": {"+15555550100"}, "Duration": {"1"}},
			want:   CallStatus{Common: common("+31612345678", "+15555550100", support, true), CallSID: sid("CA", 1), CallStatus: "no-answer"},
			status: http.StatusNoContent,
		},
		{
			name: "call completed", path: pathStatus,
			form:   url.Values{"CallSid": {sid("CA", 1)}, "CallStatus": {"completed"}, "CallDuration": {"73"}, "From": {"+31612345678"}, "To": {"+15555550100"}},
			want:   CallStatus{Common: common("+31612345678", "+15555550100", support, true), CallSID: sid("CA", 1), CallStatus: "completed", DurationSeconds: 73},
			status: http.StatusNoContent,
		},
		{
			name: "sms", path: pathSMS,
			form: url.Values{"MessageSid": {sid("SM", 1)}, "SmsMessageSid": {sid("SM", 1)}, "Body": {"Where is my order? ✉"}, "NumMedia": {"0"},
				"From": {"+31612345678"}, "To": {"+15555550101"}, "NumSegments": {"1"}},
			want:   SMS{Common: common("+31612345678", "+15555550101", testNumbers[1], true), MessageSID: sid("SM", 1), Body: "Where is my order? ✉"},
			status: http.StatusOK, body: `<?xml version="1.0" encoding="UTF-8"?><Response/>`,
		},
		{
			name: "mms", path: pathSMS,
			form: url.Values{"MessageSid": {sid("MM", 1)}, "Body": {""}, "NumMedia": {"2"},
				"MediaUrl0": {"https://api.twilio.com/m0"}, "MediaContentType0": {"image/jpeg"},
				"MediaUrl1": {"https://api.twilio.com/m1"}, "MediaContentType1": {"application/pdf"},
				"MediaUrl2": {"https://api.twilio.com/not-counted"},
				"From":      {"+31612345678"}, "To": {"+15555550199"}},
			want: SMS{Common: common("+31612345678", "+15555550199", config.Number{Number: "+15555550199", Queue: "support"}, false),
				MessageSID: sid("MM", 1), Media: []Media{{"https://api.twilio.com/m0", "image/jpeg"}, {"https://api.twilio.com/m1", "application/pdf"}}},
			status: http.StatusOK, body: `<?xml version="1.0" encoding="UTF-8"?><Response/>`,
		},
		{
			name: "fax", path: pathFax,
			form: url.Values{"FaxSid": {sid("FX", 1)}, "FaxStatus": {"received"}, "NumPages": {"3"}, "MediaUrl": {"https://media.example/fx1.pdf"},
				"From": {"+31201234567"}, "To": {"+15555550100"}, "ApiVersion": {"v1"}},
			want: Fax{Common: common("+31201234567", "+15555550100", support, true), FaxSID: sid("FX", 1), FaxStatus: "received", NumPages: 3,
				MediaURL: "https://media.example/fx1.pdf"},
			status: http.StatusNoContent,
		},
		{
			name: "fax failed", path: pathFax,
			form: url.Values{"FaxSid": {sid("FX", 2)}, "FaxStatus": {"failed"}, "ErrorCode": {"15001"}, "ErrorMessage": {"Negotiation failed"},
				"From": {"+31201234567"}, "To": {"+15555550100"}},
			want: Fax{Common: common("+31201234567", "+15555550100", support, true), FaxSID: sid("FX", 2), FaxStatus: "failed",
				ErrorCode: "15001", ErrorMessage: "Negotiation failed"},
			status: http.StatusNoContent,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, nil)
			tt.form.Set("AccountSid", testAccount)
			sig := Sign(testToken, e.srv.URL+tt.path, tt.form)
			req, err := http.NewRequest(http.MethodPost, e.srv.URL+tt.path, stringsReader(tt.form.Encode()))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-Twilio-Signature", sig)
			req.Header.Set("I-Twilio-Idempotency-Token", "idem-1")
			resp, body := do(t, req)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, body)
			}
			if body != tt.body {
				t.Errorf("body %q, want %q", body, tt.body)
			}
			if tt.body != "" && resp.Header.Get("Content-Type") != "text/xml; charset=utf-8" {
				t.Errorf("Content-Type %q", resp.Header.Get("Content-Type"))
			}
			events := e.sink.stored()
			if len(events) != 1 {
				t.Fatalf("sink got %d events", len(events))
			}
			if !reflect.DeepEqual(events[0], tt.want) {
				t.Errorf("event\n got %+v\nwant %+v", events[0], tt.want)
			}
		})
	}
}
