package phone

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"frontdesk/fault"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// minimalForms are, per route that stores an event, a form it accepts.
var minimalForms = map[string]url.Values{
	pathVoice:         {"AccountSid": {testAccount}, "CallSid": {sid("CA", 1)}, "From": {"+31612345678"}, "To": {"+15555550100"}},
	pathRecording:     {"AccountSid": {testAccount}, "CallSid": {sid("CA", 1)}, "RecordingSid": {sid("RE", 1)}, "RecordingStatus": {"completed"}},
	pathTranscription: {"AccountSid": {testAccount}, "CallSid": {sid("CA", 1)}, "RecordingSid": {sid("RE", 1)}, "TranscriptionSid": {sid("TR", 1)}},
	pathStatus:        {"AccountSid": {testAccount}, "CallSid": {sid("CA", 1)}, "CallStatus": {"completed"}},
	pathSMS:           {"AccountSid": {testAccount}, "MessageSid": {sid("SM", 1)}, "Body": {"hi"}, "From": {"+31612345678"}, "To": {"+15555550100"}},
	pathFax:           {"AccountSid": {testAccount}, "FaxSid": {sid("FX", 1)}, "FaxStatus": {"received"}},
}

func TestSinkErrors(t *testing.T) {
	for path, form := range minimalForms {
		t.Run(path, func(t *testing.T) {
			e := newEnv(t, nil)

			e.sink.setErr(fmt.Errorf("store: %w", fault.Unavailable(errors.New("dial tcp: connection refused"))))
			resp, body := e.post(t, path, form, "")
			if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "5" {
				t.Errorf("unavailable: status %d, Retry-After %q: %s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
			}

			e.sink.setErr(errors.New("boom"))
			resp, body = e.post(t, path, form, "")
			if resp.StatusCode != http.StatusInternalServerError || resp.Header.Get("Retry-After") != "" {
				t.Errorf("other error: status %d, Retry-After %q: %s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
			}
			if n := e.log.Count("level=ERROR"); n != 1 || e.log.Count("boom") != 1 {
				t.Errorf("%d errors logged, want 1 naming the cause:\n%s", n, e.log)
			}

			e.sink.setErr(nil)
			resp, body = e.post(t, path, form, "")
			if resp.StatusCode/100 != 2 {
				t.Errorf("retry: status %d: %s", resp.StatusCode, body)
			}
			if got := testutil.ToFloat64(e.wh.m.requests.WithLabelValues(path, "503")); got != 1 {
				t.Errorf("webhooks_total{code=503} = %v", got)
			}
		})
	}
}

func TestSinkTimeout(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.SinkTimeout = 20 * time.Millisecond })
	e.sink.delay = time.Second
	resp, _ := e.post(t, pathSMS, minimalForms[pathSMS], "")
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "5" {
		t.Errorf("status %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
}

func TestBodyTooLarge(t *testing.T) {
	e := newEnv(t, nil)
	form := url.Values{"AccountSid": {testAccount}, "MessageSid": {sid("SM", 1)}, "Body": {strings.Repeat("x", MaxBodySize)}}
	resp, _ := e.post(t, pathSMS, form, "")
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("status %d, want 413", resp.StatusCode)
	}
	if ev := e.sink.stored(); len(ev) != 0 {
		t.Errorf("sink got %d events", len(ev))
	}
	// Just under the cap is fine.
	form.Set("Body", strings.Repeat("x", MaxBodySize-200))
	if resp, _ := e.post(t, pathSMS, form, ""); resp.StatusCode != http.StatusOK {
		t.Errorf("status %d for a body under the cap", resp.StatusCode)
	}
}

func TestBadRequests(t *testing.T) {
	e := newEnv(t, nil)
	// A signed request without the event's SID.
	for path := range minimalForms {
		resp, body := e.post(t, path, url.Values{"AccountSid": {testAccount}, "From": {"+31612345678"}}, "")
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s without SID: status %d: %s", path, resp.StatusCode, body)
		}
	}
	// Not a form.
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+pathSMS, strings.NewReader(`{"MessageSid": "SM1"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if resp, _ := do(t, req); resp.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("JSON: status %d, want 415", resp.StatusCode)
	}
	// Malformed form encoding.
	if resp, _ := postRaw(t, e.srv.URL+pathSMS, "MessageSid=%zz", "x"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("malformed form: status %d, want 400", resp.StatusCode)
	}
	// Wrong method: the mux answers 405.
	resp, err := http.Get(e.srv.URL + pathVoice)
	if err != nil {
		t.Fatal(err)
	}
	if err := resp.Body.Close(); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET: status %d, want 405", resp.StatusCode)
	}
	if ev := e.sink.stored(); len(ev) != 0 {
		t.Errorf("sink got %d events", len(ev))
	}
}

func TestSignatureFailures(t *testing.T) {
	e := newEnv(t, nil)
	form := minimalForms[pathSMS]
	for range 5 {
		if resp, _ := e.post(t, pathSMS, form, "-"); resp.StatusCode != http.StatusForbidden {
			t.Fatalf("status %d, want 403", resp.StatusCode)
		}
		if resp, body := e.post(t, pathSMS, form, "AAAAAAAAAAAAAAAAAAAAAAAAAAA="); resp.StatusCode != http.StatusForbidden || body != "forbidden\n" {
			t.Fatalf("status %d %q, want 403 forbidden", resp.StatusCode, body)
		}
	}
	if resp, _ := e.post(t, pathFax, minimalForms[pathFax], "-"); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("fax: status %d, want 403", resp.StatusCode)
	}
	if ev := e.sink.stored(); len(ev) != 0 {
		t.Errorf("sink got %d events", len(ev))
	}
	if got := testutil.ToFloat64(e.wh.m.sigFailure.WithLabelValues(pathSMS)); got != 10 {
		t.Errorf("signature_failures_total{path=sms} = %v, want 10", got)
	}
	if got := testutil.ToFloat64(e.wh.m.requests.WithLabelValues(pathSMS, "403")); got != 10 {
		t.Errorf("webhooks_total{path=sms,code=403} = %v, want 10", got)
	}
	// One warning per path per minute.
	if n := e.log.Count("signature missing or wrong"); n != 2 {
		t.Errorf("%d warnings, want 2 (sms, fax):\n%s", n, e.log)
	}
	e.clock.advance(time.Minute)
	e.post(t, pathSMS, form, "-")
	if n := e.log.Count("suppressed=9"); n != 1 {
		t.Errorf("after a minute: want one more warning counting 9 suppressed:\n%s", e.log)
	}
}

func TestNoAuthToken(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.Twilio.AuthToken = "" })
	form := minimalForms[pathSMS]
	sig := Sign("", e.srv.URL+pathSMS, form)
	if resp, _ := e.post(t, pathSMS, form, sig); resp.StatusCode != http.StatusForbidden {
		t.Errorf("status %d, want 403", resp.StatusCode)
	}
	if ev := e.sink.stored(); len(ev) != 0 {
		t.Errorf("sink got %d events", len(ev))
	}
}

func TestUnknownNumberLoggedOncePerHour(t *testing.T) {
	e := newEnv(t, nil)
	form := url.Values{"AccountSid": {testAccount}, "MessageSid": {sid("SM", 1)}, "From": {"+31612345678"}, "To": {"+15555550199"}}
	for range 3 {
		e.post(t, pathSMS, form, "")
	}
	form.Set("To", "+15555550198")
	e.post(t, pathSMS, form, "")
	form.Del("To") // callbacks without To are not warned about
	e.post(t, pathStatus, url.Values{"AccountSid": {testAccount}, "CallSid": {sid("CA", 1)}, "CallStatus": {"completed"}}, "")
	if n := e.log.Count("not in twilio.numbers"); n != 2 {
		t.Errorf("%d warnings, want 2:\n%s", n, e.log)
	}
	e.clock.advance(time.Hour)
	form.Set("To", "+15555550199")
	e.post(t, pathSMS, form, "")
	if n := e.log.Count("not in twilio.numbers"); n != 3 {
		t.Errorf("after an hour: %d warnings, want 3", n)
	}
}

func TestMetrics(t *testing.T) {
	e := newEnv(t, nil)
	e.post(t, pathSMS, minimalForms[pathSMS], "")
	e.post(t, pathVoice, minimalForms[pathVoice], "")
	// A second Webhooks on the same registry reuses the collectors.
	New(e.sink, &Options{Registerer: e.reg})
	if got := testutil.ToFloat64(e.wh.m.requests.WithLabelValues(pathSMS, "200")); got != 1 {
		t.Errorf("webhooks_total{path=/twilio/sms,code=200} = %v", got)
	}
	if n, err := testutil.GatherAndCount(e.reg, "frontdesk_twilio_webhook_duration_seconds"); err != nil || n != 7 {
		t.Errorf("duration series: %d, %v; want one per route", n, err)
	}
	if n, err := testutil.GatherAndCount(e.reg, "frontdesk_twilio_signature_failures_total"); err != nil || n != 7 {
		t.Errorf("signature failure series: %d, %v; want one per route", n, err)
	}
	if n, err := testutil.GatherAndCount(e.reg, "frontdesk_twilio_webhooks_refused_total"); err != nil || n != 7*3 {
		t.Errorf("refusal series: %d, %v; want one per route and reason", n, err)
	}
}
