package phone

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/twilio/twilio-go/client"
)

// The vectors of twilio-go v1.31.0's client/request_validator_test.go.
const (
	vectorToken        = "12345"
	vectorURL          = "https://mycompany.com/myapp.php?foo=1&bar=2"
	vectorSignature    = "vOEb5UThFn24KEfnOFLQY2AE5FY=" // https, with or without port
	vectorHTTPSig      = "n2xBNyzSW7rfYStDtOFiFMv7qNo=" // http, with or without port
	vectorWrongOrder   = "95+Bu0JVPi0r/SsESZCVf0dWAjw=" // ReasonConferenceEnded sorted before Reason
	vectorFormBody     = "property=value&boolean=true"
	vectorFormBodySign = "NBdBDr/T/lgjI+tlgpXjKZQZs/k="
)

func vectorParams() url.Values {
	return url.Values{
		"Digits":                {"1234"},
		"CallSid":               {"CA1234567890ABCDE"},
		"To":                    {"+18005551212"},
		"Caller":                {"+14158675309"},
		"From":                  {"+14158675309"},
		"ReasonConferenceEnded": {"test"},
		"Reason":                {"Participant"},
	}
}

func TestSignAgreesWithValidator(t *testing.T) {
	httpURL := strings.Replace(vectorURL, "https", "http", 1)
	form, err := url.ParseQuery(vectorFormBody)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		url    string
		params url.Values
		want   string
	}{
		{vectorURL, vectorParams(), vectorSignature},
		{httpURL, vectorParams(), vectorHTTPSig},
		{vectorURL, form, vectorFormBodySign},
	}
	v := client.NewRequestValidator(vectorToken)
	for _, tt := range tests {
		if got := Sign(vectorToken, tt.url, tt.params); got != tt.want {
			t.Errorf("Sign(%s, %v) = %s, want %s", tt.url, tt.params, got, tt.want)
		}
	}
	// And for parameters of our own, checked by the validator.
	params := url.Values{"Body": {"héllo & bye=1"}, "From": {"+31612345678"}, "NumMedia": {"0"}, "a": {""}}
	u := "https://desk.example.com/twilio/sms"
	flat := map[string]string{}
	for k, vs := range params {
		flat[k] = vs[0]
	}
	if !v.Validate(u, flat, Sign(vectorToken, u, params)) {
		t.Error("validator refuses Sign's signature")
	}
	if v.Validate(u, flat, Sign("other", u, params)) {
		t.Error("validator accepts a signature with another token")
	}
}

// TestTwilioVectorsThroughHandlers serves the real voice and after-record
// handlers at the vectors' path, /myapp.php, behind public URLs that make
// the URL they check the vectors' URL.
//
// The vectors' CallSid, CA1234567890ABCDE, is not a well-formed SID (32
// lower-case hex digits), and a different one would need a signature the
// vectors do not give. So the voice handler answers a good signature 400
// (the SID check, after the signature) and a bad one 403, and stores
// nothing either way; the after-record handler, which reads no SID, answers
// a good signature 200. TestVoice checks the Call a well-formed request
// makes.
func TestTwilioVectorsThroughHandlers(t *testing.T) {
	type request struct {
		publicURL string
		query     string
		body      string
		sig       string // "-": no header
	}
	vector := func(edit func(*request, url.Values)) request {
		p := vectorParams()
		r := request{publicURL: "https://mycompany.com", query: "foo=1&bar=2", sig: vectorSignature}
		if edit != nil {
			edit(&r, p)
		}
		r.body = p.Encode()
		return r
	}
	tests := []struct {
		name   string
		route  string
		req    request
		status int
	}{
		{"https", pathVoice, vector(nil), http.StatusBadRequest},
		{"https with port", pathVoice, vector(func(r *request, _ url.Values) { r.publicURL = "https://mycompany.com:1234" }), http.StatusBadRequest},
		{"http", pathVoice, vector(func(r *request, _ url.Values) { r.publicURL, r.sig = "http://mycompany.com", vectorHTTPSig }), http.StatusBadRequest},
		{"http with port", pathVoice, vector(func(r *request, _ url.Values) { r.publicURL, r.sig = "http://mycompany.com:1234", vectorHTTPSig }), http.StatusBadRequest},
		{"params sorted wrongly", pathVoice, vector(func(r *request, _ url.Values) { r.sig = vectorWrongOrder }), http.StatusForbidden},
		{"tampered param", pathVoice, vector(func(_ *request, p url.Values) { p.Set("Digits", "1235") }), http.StatusForbidden},
		{"added param", pathVoice, vector(func(_ *request, p url.Values) { p.Set("CallerName", "Mallory") }), http.StatusForbidden},
		{"removed param", pathVoice, vector(func(_ *request, p url.Values) { p.Del("Reason") }), http.StatusForbidden},
		{"tampered query", pathVoice, vector(func(r *request, _ url.Values) { r.query = "foo=2&bar=2" }), http.StatusForbidden},
		{"no query", pathVoice, vector(func(r *request, _ url.Values) { r.query = "" }), http.StatusForbidden},
		{"other host", pathVoice, vector(func(r *request, _ url.Values) { r.publicURL = "https://evil.example" }), http.StatusForbidden},
		{"http signature on https", pathVoice, vector(func(r *request, _ url.Values) { r.sig = vectorHTTPSig }), http.StatusForbidden},
		{"no header", pathVoice, vector(func(r *request, _ url.Values) { r.sig = "-" }), http.StatusForbidden},
		{"empty header", pathVoice, vector(func(r *request, _ url.Values) { r.sig = "" }), http.StatusForbidden},
		{"form body", pathAfterRecord, request{"https://mycompany.com", "foo=1&bar=2", vectorFormBody, vectorFormBodySign}, http.StatusOK},
		{"form body tampered", pathAfterRecord, request{"https://mycompany.com", "foo=1&bar=2", "property=value&boolean=false", vectorFormBodySign}, http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := &fakeSink{}
			wh := New(sink, &Options{
				Twilio:    twilioWithToken(vectorToken),
				PublicURL: tt.req.publicURL,
			})
			var h http.Handler
			for _, rt := range wh.routes() {
				if rt.path == tt.route {
					h = wh.handler(rt)
				}
			}
			mux := http.NewServeMux()
			mux.Handle("POST /myapp.php", h)
			srv := httptest.NewServer(mux)
			defer srv.Close()

			u := srv.URL + "/myapp.php"
			if tt.req.query != "" {
				u += "?" + tt.req.query
			}
			req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(tt.req.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if tt.req.sig != "-" {
				req.Header.Set("X-Twilio-Signature", tt.req.sig)
			}
			resp, body := do(t, req)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, body)
			}
			if tt.status == http.StatusBadRequest && !strings.Contains(body, `CallSid "CA1234567890ABCDE" is not CA`) {
				t.Errorf("400 for another reason than the CallSid: %s", body)
			}
			if events := sink.stored(); len(events) != 0 {
				t.Errorf("sink got %v, want nothing", events)
			}
		})
	}
}
