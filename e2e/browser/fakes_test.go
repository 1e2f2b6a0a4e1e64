package browser

import (
	"bytes"
	encbin "encoding/binary"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"frontdesk/intake/phone"
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

// sentFax is one fax the fake fax service took: where to, and the PDF it
// fetched.
type sentFax struct {
	SID, To, From string
	PDF           []byte
}

// fakeFaxService is a Twilio-compatible Faxes API as SignalWire serves it
// (POST /api/laml/2010-04-01/Accounts/SID/Faxes.json with HTTP Basic auth).
// For each fax it fetches the PDF from the MediaUrl frontdesk gives — after
// checking that the link with another signature is refused — and then
// reports the fax delivered to the StatusCallback, signed as Twilio signs
// webhooks.
type fakeFaxService struct {
	t        *testing.T
	srv      *httptest.Server
	mu       sync.Mutex
	sent     []sentFax
	problems []string
}

func startFakeFaxService(t *testing.T) *fakeFaxService {
	f := &fakeFaxService{t: t}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if u, p, _ := r.BasicAuth(); u != faxSID || p != faxToken {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"code": 20003, "message": "Authenticate"}`)
			return
		}
		if r.Method != http.MethodPost || r.URL.Path != "/api/laml/2010-04-01/Accounts/"+faxSID+"/Faxes.json" {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"code": 20404, "message": "not found"}`)
			return
		}
		if err := r.ParseForm(); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		media, callback := r.PostForm.Get("MediaUrl"), r.PostForm.Get("StatusCallback")
		if u, err := url.Parse(media); err == nil {
			q := u.Query()
			q.Set("sig", strings.Repeat("0", len(q.Get("sig"))))
			u.RawQuery = q.Encode()
			if st, _ := fetch(u.String()); st != http.StatusForbidden {
				f.problem("the PDF link with a wrong signature answered %d, want 403", st)
			}
		}
		st, pdf := fetch(media)
		if st != http.StatusOK {
			f.problem("the PDF link answered %d", st)
		}
		f.mu.Lock()
		fx := sentFax{SID: fmt.Sprintf("FXbrowser%d", len(f.sent)+1), To: r.PostForm.Get("To"), From: r.PostForm.Get("From"), PDF: pdf}
		f.sent = append(f.sent, fx)
		f.mu.Unlock()
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"sid": %q, "status": "queued", "to": %q, "from": %q}`, fx.SID, fx.To, fx.From)
		go func() {
			form := url.Values{"FaxSid": {fx.SID}, "FaxStatus": {"delivered"}, "NumPages": {"1"}, "To": {fx.To}, "From": {fx.From}}
			req, _ := http.NewRequest(http.MethodPost, callback, strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-Twilio-Signature", phone.Sign(faxToken, callback, form))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				f.problem("status callback: %v", err)
				return
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusNoContent {
				f.problem("status callback answered %d", resp.StatusCode)
			}
		}()
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// fetch GETs a link and returns its status and, for a PDF, its bytes.
func fetch(link string) (int, []byte) {
	resp, err := http.Get(link)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusOK && resp.Header.Get("Content-Type") != "application/pdf" {
		return -1, nil
	}
	return resp.StatusCode, b
}

func (f *fakeFaxService) problem(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.problems = append(f.problems, fmt.Sprintf(format, args...))
}

// faxes returns the faxes taken so far and what was wrong on the way.
func (f *fakeFaxService) faxes() ([]sentFax, []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]sentFax(nil), f.sent...), append([]string(nil), f.problems...)
}
