package phone

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// SignalWire's SIDs are UUIDs.
const (
	swFaxSID     = "0b2a1c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
	swProjectSID = "b3877c40-da60-4998-90ad-b792e98472ac"
)

func TestSIDForms(t *testing.T) {
	tests := []struct {
		s         string
		sid, uuid bool
	}{
		{sid("CA", 1), true, false},
		{"CA0123456789abcdef0123456789abcdef", true, false},
		{"CA0123456789ABCDEF0123456789ABCDEF", false, false}, // upper-case hex
		{"ca0123456789abcdef0123456789abcdef", false, false}, // lower-case prefix
		{"CA0123456789abcdef0123456789abcde", false, false},  // 31 digits
		{"CA0123456789abcdef0123456789abcdef0", false, false},
		{"CA0123456789abcdef0123456789abcdeg", false, false},
		{"CB0123456789abcdef0123456789abcdef", false, false},
		{"CA0123456789abcdef0123456789abcd\u00e9", false, false},
		{"", false, false},
		{swFaxSID, false, true},
		{strings.ToUpper(swFaxSID), false, false},
		{strings.ReplaceAll(swFaxSID, "-", ""), false, false},
		{"0b2a1c3d4-e5f-4a6b-8c7d-9e0f1a2b3c4d", false, false}, // dashes misplaced
		{"0b2a1c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4g", false, false},
	}
	for _, tt := range tests {
		if got := isSID(tt.s, "CA"); got != tt.sid {
			t.Errorf("isSID(%q, CA) = %v", tt.s, got)
		}
		if got := isUUID(tt.s); got != tt.uuid {
			t.Errorf("isUUID(%q) = %v", tt.s, got)
		}
	}
	if !isSID(sid("MM", 7), "SM", "MM") || isSID(sid("MG", 7), "SM", "MM") {
		t.Error("MessageSid prefixes")
	}
}

// form returns minimalForms[path] (a copy) with edit applied.
func form(path string, edit func(url.Values)) url.Values {
	f := url.Values{}
	for k, v := range minimalForms[path] {
		f[k] = append([]string(nil), v...)
	}
	if edit != nil {
		edit(f)
	}
	return f
}

func set(kv ...string) func(url.Values) {
	return func(f url.Values) {
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == "" {
				f.Del(kv[i])
			} else {
				f.Set(kv[i], kv[i+1])
			}
		}
	}
}

// TestSIDChecks posts signed webhooks to each route: well-formed ones are
// stored, and ones with a SID missing, malformed or of another account are
// refused with 400 and reach no Sink.
func TestSIDChecks(t *testing.T) {
	tests := []struct {
		name    string
		path    string
		form    url.Values
		account string // twilio.account_sid; "" keeps newEnv's
		reason  string // "" for accepted
	}{
		// Accepted.
		{name: "call", path: pathVoice, form: form(pathVoice, nil)},
		{name: "recording", path: pathRecording, form: form(pathRecording, nil)},
		{name: "transcription", path: pathTranscription, form: form(pathTranscription, nil)},
		{name: "status", path: pathStatus, form: form(pathStatus, nil)},
		{name: "sms", path: pathSMS, form: form(pathSMS, nil)},
		{name: "mms", path: pathSMS, form: form(pathSMS, set("MessageSid", sid("MM", 2)))},
		{name: "sms with the older name only", path: pathSMS, form: form(pathSMS, set("MessageSid", "", "SmsMessageSid", sid("SM", 3)))},
		{name: "twilio fax", path: pathFax, form: form(pathFax, nil)},
		{name: "signalwire fax", path: pathFax, form: form(pathFax, set("FaxSid", swFaxSID, "AccountSid", swProjectSID))},
		{name: "signalwire fax of the configured project", path: pathFax, account: swProjectSID,
			form: form(pathFax, set("FaxSid", swFaxSID, "AccountSid", swProjectSID))},

		// The account.
		{name: "no AccountSid", path: pathSMS, form: form(pathSMS, set("AccountSid", "")), reason: reasonMissingSID},
		{name: "another account", path: pathSMS, form: form(pathSMS, set("AccountSid", sid("AC", 1))), reason: reasonWrongAccount},
		{name: "malformed AccountSid", path: pathVoice, form: form(pathVoice, set("AccountSid", testAccount+"0")), reason: reasonMalformedSID},
		{name: "AccountSid in upper case", path: pathVoice, form: form(pathVoice, set("AccountSid", "AC"+strings.Repeat("A", 32))), reason: reasonMalformedSID},
		{name: "another account after the recording", path: pathAfterRecord, form: form(pathVoice, set("AccountSid", sid("AC", 1))), reason: reasonWrongAccount},
		{name: "another account's fax", path: pathFax, form: form(pathFax, set("AccountSid", sid("AC", 1))), reason: reasonWrongAccount},

		// The event's SIDs.
		{name: "call without CallSid", path: pathVoice, form: form(pathVoice, set("CallSid", "")), reason: reasonMissingSID},
		{name: "CallSid in upper case", path: pathVoice, form: form(pathVoice, set("CallSid", "CA"+strings.Repeat("F", 32))), reason: reasonMalformedSID},
		{name: "CallSid too short", path: pathVoice, form: form(pathVoice, set("CallSid", sid("CA", 1)[:33])), reason: reasonMalformedSID},
		{name: "CallSid re-cut", path: pathVoice, form: form(pathVoice, set("CallSid", sid("CA", 1)+"From+31612345678")), reason: reasonMalformedSID},
		{name: "CallSid of another kind", path: pathVoice, form: form(pathVoice, set("CallSid", sid("SM", 1))), reason: reasonMalformedSID},
		{name: "recording without CallSid", path: pathRecording, form: form(pathRecording, set("CallSid", "")), reason: reasonMissingSID},
		{name: "malformed RecordingSid", path: pathRecording, form: form(pathRecording, set("RecordingSid", "RE1")), reason: reasonMalformedSID},
		{name: "transcription without RecordingSid", path: pathTranscription, form: form(pathTranscription, set("RecordingSid", "")), reason: reasonMissingSID},
		{name: "malformed TranscriptionSid", path: pathTranscription, form: form(pathTranscription, set("TranscriptionSid", sid("RE", 1))), reason: reasonMalformedSID},
		{name: "status with a spaced CallSid", path: pathStatus, form: form(pathStatus, set("CallSid", " "+sid("CA", 1))), reason: reasonMalformedSID},
		{name: "MessageSid of a messaging service", path: pathSMS, form: form(pathSMS, set("MessageSid", sid("MG", 1))), reason: reasonMalformedSID},
		{name: "malformed SmsMessageSid", path: pathSMS, form: form(pathSMS, set("MessageSid", "", "SmsMessageSid", "SM1")), reason: reasonMalformedSID},
		{name: "sms without MessageSid", path: pathSMS, form: form(pathSMS, set("MessageSid", "")), reason: reasonMissingSID},
		{name: "fax without FaxSid", path: pathFax, form: form(pathFax, set("FaxSid", "")), reason: reasonMissingSID},
		{name: "malformed FaxSid", path: pathFax, form: form(pathFax, set("FaxSid", "FX1")), reason: reasonMalformedSID},
		{name: "FaxSid UUID in upper case", path: pathFax, form: form(pathFax, set("FaxSid", strings.ToUpper(swFaxSID), "AccountSid", swProjectSID)), reason: reasonMalformedSID},
		{name: "signalwire fax of a Twilio account", path: pathFax, form: form(pathFax, set("FaxSid", swFaxSID)), reason: reasonMalformedSID},
		{name: "twilio fax of a SignalWire project", path: pathFax, form: form(pathFax, set("AccountSid", swProjectSID)), reason: reasonMalformedSID},
		{name: "signalwire fax without AccountSid", path: pathFax, form: form(pathFax, set("FaxSid", swFaxSID, "AccountSid", "")), reason: reasonMissingSID},
		{name: "signalwire fax of another project", path: pathFax, account: swProjectSID,
			form: form(pathFax, set("FaxSid", swFaxSID, "AccountSid", "b3877c40-da60-4998-90ad-b792e98472ad")), reason: reasonWrongAccount},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, func(o *Options) {
				if tt.account != "" {
					o.Twilio.AccountSID = tt.account
				}
			})
			resp, body := e.post(t, tt.path, tt.form, "")
			refused := testutil.ToFloat64(e.wh.m.refused.WithLabelValues(tt.path, tt.reason))
			if tt.reason == "" {
				if resp.StatusCode/100 != 2 {
					t.Fatalf("status %d, want 2xx: %s", resp.StatusCode, body)
				}
				if n := len(e.sink.stored()); n != 1 && tt.path != pathAfterRecord {
					t.Errorf("sink got %d events, want 1", n)
				}
				return
			}
			if resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("status %d, want 400: %s", resp.StatusCode, body)
			}
			if ev := e.sink.stored(); len(ev) != 0 {
				t.Errorf("sink got %v, want nothing", ev)
			}
			if refused != 1 {
				t.Errorf("webhooks_refused_total{path=%s,reason=%s} = %v, want 1; body %q", tt.path, tt.reason, refused, body)
			}
		})
	}
}

// TestRecutReplayRefused replays a captured text with its signature, its
// parameters re-cut so that MessageSid swallows the NumMedia that follows
// it: the bytes Twilio signed are the same, the SID is new, and without the
// SID check it would make a second message.
func TestRecutReplayRefused(t *testing.T) {
	e := newEnv(t, nil)
	captured := url.Values{"AccountSid": {testAccount}, "Body": {"hi"}, "From": {"+31612345678"},
		"MessageSid": {sid("SM", 1)}, "NumMedia": {"0"}, "To": {"+15555550100"}}
	sig := Sign(testToken, e.srv.URL+pathSMS, captured)
	if resp, body := e.post(t, pathSMS, captured, sig); resp.StatusCode != http.StatusOK {
		t.Fatalf("the captured request: %d %s", resp.StatusCode, body)
	}
	recut := url.Values{"AccountSid": {testAccount}, "Body": {"hi"}, "From": {"+31612345678"},
		"MessageSid": {sid("SM", 1) + "NumMedia0"}, "To": {"+15555550100"}}
	if Sign(testToken, e.srv.URL+pathSMS, recut) != sig {
		t.Fatal("the re-cut request is not signed alike; the test proves nothing")
	}
	resp, body := e.post(t, pathSMS, recut, sig)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "MessageSid") {
		t.Errorf("the re-cut replay: %d %s, want 400 naming MessageSid", resp.StatusCode, body)
	}
	if n := len(e.sink.stored()); n != 1 {
		t.Errorf("sink got %d events, want 1", n)
	}
}

// TestRefusalsCountedAndLogged: every refusal is counted; the log has one
// warning per path per minute, then one counting those suppressed.
func TestRefusalsCountedAndLogged(t *testing.T) {
	e := newEnv(t, nil)
	bad := form(pathSMS, set("MessageSid", "SM1"))
	for range 5 {
		e.post(t, pathSMS, bad, "")
		e.post(t, pathSMS, form(pathSMS, set("AccountSid", sid("AC", 9))), "")
	}
	e.post(t, pathVoice, form(pathVoice, set("CallSid", "")), "")
	if got := testutil.ToFloat64(e.wh.m.refused.WithLabelValues(pathSMS, reasonMalformedSID)); got != 5 {
		t.Errorf("refused{sms,malformed_sid} = %v, want 5", got)
	}
	if got := testutil.ToFloat64(e.wh.m.refused.WithLabelValues(pathSMS, reasonWrongAccount)); got != 5 {
		t.Errorf("refused{sms,wrong_account} = %v, want 5", got)
	}
	if got := testutil.ToFloat64(e.wh.m.refused.WithLabelValues(pathVoice, reasonMissingSID)); got != 1 {
		t.Errorf("refused{voice,missing_sid} = %v, want 1", got)
	}
	if got := testutil.ToFloat64(e.wh.m.requests.WithLabelValues(pathSMS, "400")); got != 10 {
		t.Errorf("webhooks_total{sms,400} = %v, want 10", got)
	}
	if n := e.log.Count("refused for its SIDs"); n != 2 {
		t.Errorf("%d warnings, want 2 (sms, voice):\n%s", n, e.log)
	}
	if n := e.log.Count(`detail="MessageSid \"SM1\" is not SM or MM and 32 lower-case hex digits"`); n != 1 {
		t.Errorf("the warning does not say what was wrong:\n%s", e.log)
	}
	e.clock.advance(time.Minute)
	e.post(t, pathSMS, bad, "")
	if n := e.log.Count("suppressed=9"); n != 1 {
		t.Errorf("after a minute: want one more warning counting 9 suppressed:\n%s", e.log)
	}
}

// TestAccountNotConfigured: without twilio.account_sid, AccountSid may be
// absent, but if present must be well-formed.
func TestAccountNotConfigured(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.Twilio.AccountSID = "" })
	if resp, body := e.post(t, pathSMS, form(pathSMS, set("AccountSid", "")), ""); resp.StatusCode != http.StatusOK {
		t.Errorf("without AccountSid: %d %s", resp.StatusCode, body)
	}
	if resp, body := e.post(t, pathSMS, form(pathSMS, set("AccountSid", sid("AC", 5))), ""); resp.StatusCode != http.StatusOK {
		t.Errorf("with any account: %d %s", resp.StatusCode, body)
	}
	if resp, body := e.post(t, pathSMS, form(pathSMS, set("AccountSid", "AC1")), ""); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("with a malformed AccountSid: %d %s", resp.StatusCode, body)
	}
}
