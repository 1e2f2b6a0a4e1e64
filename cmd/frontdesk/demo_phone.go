package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"frontdesk/intake/phone"
)

// The demo's Twilio account: its webhooks are signed with this token, and its
// media server asks for these credentials, as Twilio's does.
const (
	demoAccountSID = "AC00000000000000000000000000000000"
	demoAuthToken  = "demoauthtoken0123456789abcdef"
	demoNumber     = "+15555550100"
)

// startDemoMedia serves the demo's recordings and pictures on loopback, in
// place of Twilio's media URLs, behind the account's credentials, and takes
// the text replies frontdesk sends through Twilio's Messages API (onSMS).
func startDemoMedia(onSMS func(to, body string)) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("listen for demo media: %w", err)
	}
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != demoAccountSID || p != demoAuthToken {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		switch {
		case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/Messages.json"):
			// A text reply: Twilio's Messages API, as the demo plays it.
			_ = r.ParseForm()
			if onSMS != nil {
				onSMS(r.Form.Get("To"), r.Form.Get("Body"))
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusCreated)
			fmt.Fprintf(w, `{"sid": "SMdemo%d", "status": "queued"}`, time.Now().UnixNano())
		case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/Messages.json"):
			// The texts sent, as a retry asks for them: the demo keeps none.
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"messages": [], "next_page_uri": null}`)
		case strings.HasSuffix(r.URL.Path, ".mp3"):
			w.Header().Set("Content-Type", "audio/mpeg")
			io.WriteString(w, "ID3 (a demo stands in for the recording's audio)")
		default:
			w.Header().Set("Content-Type", "image/png")
			// A 1×1 PNG: the "photo of the damage".
			io.WriteString(w, "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\xdac\xfc\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82")
		}
	})}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), func() { _ = srv.Close() }, nil
}

// simulatePhone plays Twilio for a newcomer: once frontdesk answers at base, a
// caller leaves a voicemail (call, transcript, recording, hang-up) and a
// customer texts a photo — every webhook signed as Twilio signs it, and the
// recording's sent twice, as Twilio does when an answer is slow.
func simulatePhone(ctx context.Context, base, media string, out io.Writer) error {
	for {
		if resp, err := http.Get(base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(100 * time.Millisecond):
		}
	}
	caller, texter := "+15555550199", "+15555550123"
	account := media + "/2010-04-01/Accounts/" + demoAccountSID
	// Well-formed SIDs, two letters and 32 lower-case hex digits: the
	// webhooks refuse others.
	const (
		callSID          = "CAde000000000000000000000000000001"
		recordingSID     = "REde000000000000000000000000000001"
		transcriptionSID = "TRde000000000000000000000000000001"
		messageSID       = "MMde000000000000000000000000000001"
		mediaSID         = "MEde000000000000000000000000000001"
	)
	hooks := []struct {
		path string
		form url.Values
	}{
		{"/twilio/voice", url.Values{"CallSid": {callSID}, "From": {caller}, "To": {demoNumber}, "CallStatus": {"ringing"}}},
		{"/twilio/voice/recording", url.Values{"CallSid": {callSID}, "RecordingSid": {recordingSID},
			"RecordingUrl": {account + "/Recordings/" + recordingSID}, "RecordingStatus": {"completed"}, "RecordingDuration": {"14"}}},
		{"/twilio/voice/recording", url.Values{"CallSid": {callSID}, "RecordingSid": {recordingSID},
			"RecordingUrl": {account + "/Recordings/" + recordingSID}, "RecordingStatus": {"completed"}, "RecordingDuration": {"14"}}},
		{"/twilio/voice/transcription", url.Values{"CallSid": {callSID}, "RecordingSid": {recordingSID}, "TranscriptionSid": {transcriptionSID},
			"TranscriptionStatus": {"completed"}, "TranscriptionText": {"Hi, this is Carla. My repair was due on Tuesday and I have not heard back. Please call me back."}}},
		{"/twilio/voice/status", url.Values{"CallSid": {callSID}, "From": {caller}, "To": {demoNumber}, "CallStatus": {"completed"}, "CallDuration": {"31"}}},
		{"/twilio/sms", url.Values{"MessageSid": {messageSID}, "From": {texter}, "To": {demoNumber},
			"Body": {"Hi, the lamp from order 553 arrived broken, photo attached."}, "NumMedia": {"1"},
			"MediaUrl0": {account + "/Messages/" + messageSID + "/Media/" + mediaSID}, "MediaContentType0": {"image/png"}}},
	}
	for _, h := range hooks {
		h.form.Set("AccountSid", demoAccountSID)
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+h.path, strings.NewReader(h.form.Encode()))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Twilio-Signature", phone.Sign(demoAuthToken, base+h.path, h.form))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return fmt.Errorf("simulate %s: %w", h.path, err)
		}
		resp.Body.Close()
		if resp.StatusCode >= 300 {
			return fmt.Errorf("simulate %s: %s", h.path, resp.Status)
		}
	}
	fmt.Fprintf(out, "  Phone: Carla (%s) left a voicemail on %s and %s texted a photo;\n  both are tickets now, the recording and picture downloaded in the background.\n\n", caller, demoNumber, texter)
	return nil
}

// concreteAddr turns a listen address whose port may be 0 into one with a
// real free port, so that the demo's public URL (which webhook signatures are
// computed over) is known before the server starts.
func concreteAddr(addr string) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}
