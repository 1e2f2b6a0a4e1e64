package browser

import (
	"bytes"
	encbin "encoding/binary"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// sentSMS is one message the fake Twilio accepted.
type sentSMS struct{ From, To, Body string }

// fakeTwilio is Twilio's Messages API as frontdesk's SMS responder calls it
// (POST /2010-04-01/Accounts/SID/Messages.json with HTTP Basic auth): it
// keeps what it is asked to send.
type fakeTwilio struct {
	srv  *httptest.Server
	mu   sync.Mutex
	sent []sentSMS
}

func startFakeTwilio(t *testing.T) *fakeTwilio {
	f := &fakeTwilio{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		u, p, _ := r.BasicAuth()
		if u != twilioSID || p != twilioToken {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"status": 401, "code": 20003, "message": "Authenticate"}`)
			return
		}
		if r.Method != http.MethodPost || r.URL.Path != "/2010-04-01/Accounts/"+twilioSID+"/Messages.json" {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"status": 404, "code": 20404, "message": "not found"}`)
			return
		}
		if err := r.ParseForm(); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `{"status": 400, "code": 21000, "message": %q}`, err.Error())
			return
		}
		f.mu.Lock()
		f.sent = append(f.sent, sentSMS{From: r.PostForm.Get("From"), To: r.PostForm.Get("To"), Body: r.PostForm.Get("Body")})
		n := len(f.sent)
		f.mu.Unlock()
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"sid": "SMbrowser%d", "status": "queued"}`, n)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// messages returns the messages sent so far.
func (f *fakeTwilio) messages() []sentSMS {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]sentSMS(nil), f.sent...)
}

// remoteSite stands for the sender's web server, where a hostile mail's
// images, styles and forms point: it counts every request, by path.
type remoteSite struct {
	srv *httptest.Server
	mu  sync.Mutex
	got []string
}

func startRemoteSite(t *testing.T) *remoteSite {
	s := &remoteSite{}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.got = append(s.got, r.Method+" "+r.URL.Path)
		s.mu.Unlock()
		// A 1×1 transparent GIF for every request.
		w.Header().Set("Content-Type", "image/gif")
		_, _ = w.Write([]byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"))
	}))
	t.Cleanup(s.srv.Close)
	return s
}

// requests returns the requests made so far, as "METHOD PATH".
func (s *remoteSite) requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.got...)
}

// wavTone returns a WAV file (RIFF, PCM, 8 kHz, 16-bit mono) of a 440 Hz
// tone lasting seconds: a voicemail recording the browser can play.
func wavTone(seconds float64) []byte {
	const rate = 8000
	n := int(seconds * rate)
	samples := make([]int16, n)
	for i := range samples {
		samples[i] = int16(8000 * math.Sin(2*math.Pi*440*float64(i)/rate))
	}
	var b bytes.Buffer
	le := func(v any) { _ = encbin.Write(&b, encbin.LittleEndian, v) }
	b.WriteString("RIFF")
	le(uint32(36 + 2*n))
	b.WriteString("WAVEfmt ")
	le(uint32(16))       // fmt chunk size
	le(uint16(1))        // PCM
	le(uint16(1))        // mono
	le(uint32(rate))     // sample rate
	le(uint32(rate * 2)) // byte rate
	le(uint16(2))        // block align
	le(uint16(16))       // bits per sample
	b.WriteString("data")
	le(uint32(2 * n))
	le(samples)
	return b.Bytes()
}
