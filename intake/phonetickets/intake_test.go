package phonetickets

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"frontdesk/config"
	"frontdesk/desk"
	"frontdesk/intake/phone"
	"frontdesk/jobs"
	"frontdesk/ticket"
	"frontdesk/ticket/redisstore"
)

const (
	accountSID = "AC0123456789abcdef0123456789abcdef"
	authToken  = "secrettoken"
	ourNumber  = "+15555550100"
	caller     = "+15555550123"
)

// sid returns a well-formed Twilio SID: prefix and n as 32 lower-case hex
// digits.
func sid(prefix string, n int) string { return fmt.Sprintf("%s%032x", prefix, n) }

// phoneDesk is phone intake wired as serve wires it, on an in-process Redis, with
// a fake Twilio media server.
type phoneDesk struct {
	t       *testing.T
	intake  *Intake
	mr      *miniredis.Miniredis
	store   *redisstore.Store
	hooks   *httptest.Server
	media   *fakeMedia
	cfg     *config.Config
	stopJob func()
	// phone is the webhooks' handler, for its spool's Drain.
	phone *phone.Webhooks
}

// fakeMedia serves recordings, pictures and fax PDFs as Twilio's API does,
// requiring the account's credentials; a path listed in fail answers 500 that
// many times first.
type fakeMedia struct {
	*httptest.Server
	mu   sync.Mutex
	fail map[string]int
	hits atomic.Int32
}

func newFakeMedia(t *testing.T) *fakeMedia {
	f := &fakeMedia{fail: map[string]int{}}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.hits.Add(1)
		if u, p, ok := r.BasicAuth(); !ok || u != accountSID || p != authToken {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		f.mu.Lock()
		n := f.fail[r.URL.Path]
		if n > 0 {
			f.fail[r.URL.Path] = n - 1
		}
		f.mu.Unlock()
		if n > 0 {
			http.Error(w, "try later", http.StatusInternalServerError)
			return
		}
		switch {
		case strings.HasSuffix(r.URL.Path, ".mp3"):
			w.Header().Set("Content-Type", "audio/mpeg")
			io.WriteString(w, "ID3 audio of "+r.URL.Path)
		case strings.HasSuffix(r.URL.Path, ".pdf"):
			w.Header().Set("Content-Type", "application/pdf")
			io.WriteString(w, "%PDF-1.4 fax")
		default:
			w.Header().Set("Content-Type", "image/jpeg")
			io.WriteString(w, "JPEG picture")
		}
	}))
	t.Cleanup(f.Close)
	return f
}

func newDesk(t *testing.T) *phoneDesk {
	t.Helper()
	return newDeskWith(t, nil)
}

// newDeskWith is newDesk with the webhooks' options changed by edit.
func newDeskWith(t *testing.T, edit func(*phone.Options)) *phoneDesk {
	t.Helper()
	d := &phoneDesk{t: t, mr: miniredis.RunT(t), media: newFakeMedia(t)}
	rdb := redis.NewClient(&redis.Options{Addr: d.mr.Addr()})
	t.Cleanup(func() { rdb.Close() })
	d.store = redisstore.New(rdb, &redisstore.Options{Prefix: "fd"})
	mux := http.NewServeMux()
	d.hooks = httptest.NewServer(mux)
	t.Cleanup(d.hooks.Close)
	yaml := fmt.Sprintf(`
redis: {url: "redis://127.0.0.1:6379/0", prefix: fd}
http: {public_url: %q}
twilio:
  account_sid: %s
  auth_token: %s
  api_url: %q
  numbers: [{number: %q, queue: phone, transcribe: true}]
queues: [{name: support}, {name: phone, first_response: 2h}]
`, d.hooks.URL, accountSID, authToken, d.media.URL, ourNumber)
	cfg, err := config.Parse([]byte(yaml), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	d.cfg = cfg
	quiet := slog.New(slog.DiscardHandler)
	queue := jobs.New("media", &jobs.Options{Redis: rdb, Prefix: "fd", Logger: quiet,
		BackoffMin: 10 * time.Millisecond, BackoffMax: 50 * time.Millisecond, Poll: 10 * time.Millisecond})
	in := New(desk.New(d.store, cfg, nil), rdb, queue, &Options{Logger: quiet})
	in.missedAfter = 50 * time.Millisecond
	d.intake = in
	opts := &phone.Options{Twilio: cfg.Twilio, Calendars: cfg.BusinessHours, PublicURL: cfg.HTTP.PublicURL, Logger: quiet}
	if edit != nil {
		edit(opts)
	}
	d.phone = phone.New(in, opts)
	d.phone.Register(mux)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = queue.Run(ctx, 2, in.HandleJob) }()
	d.stopJob = func() { cancel(); <-done }
	t.Cleanup(d.stopJob)
	return d
}

// post sends a webhook signed as Twilio signs it and returns the status.
func (d *phoneDesk) post(path string, form url.Values) int {
	d.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, d.hooks.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", phone.Sign(authToken, d.hooks.URL+path, form))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		d.t.Fatalf("POST %s: %v", path, err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func (d *phoneDesk) tickets() []*ticket.Ticket {
	d.t.Helper()
	p, err := d.store.List(context.Background(), ticket.ListFilter{Limit: 200})
	if err != nil {
		d.t.Fatal(err)
	}
	var out []*ticket.Ticket
	for _, s := range p.Tickets {
		tk, err := d.store.Get(context.Background(), s.ID)
		if err != nil {
			d.t.Fatal(err)
		}
		out = append(out, tk)
	}
	return out
}

// eventually waits, bounded, for cond.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 15s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type webhook struct {
	path string
	form url.Values
}

// callSMSAndFax is a voicemail call (with its transcript), an MMS and a fax,
// as Twilio's webhooks.
func (d *phoneDesk) callSMSAndFax() []webhook {
	common := func(kv ...string) url.Values {
		v := url.Values{"AccountSid": {accountSID}}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	return []webhook{
		{"/twilio/voice", common("CallSid", sid("CA", 1), "From", caller, "To", ourNumber, "CallStatus", "ringing")},
		{"/twilio/voice/transcription", common("CallSid", sid("CA", 1), "RecordingSid", sid("RE", 1), "TranscriptionSid", sid("TR", 1),
			"TranscriptionText", "Hi, my order 553 arrived broken, please call me back.", "TranscriptionStatus", "completed")},
		{"/twilio/voice/recording", common("CallSid", sid("CA", 1), "RecordingSid", sid("RE", 1), "RecordingUrl", d.media.URL+"/Recordings/RE1",
			"RecordingStatus", "completed", "RecordingDuration", "14")},
		{"/twilio/voice/status", common("CallSid", sid("CA", 1), "From", caller, "To", ourNumber, "CallStatus", "completed", "CallDuration", "31")},
		{"/twilio/sms", common("MessageSid", sid("SM", 1), "From", caller, "To", ourNumber, "Body", "Here is a photo of the damage",
			"NumMedia", "1", "MediaUrl0", d.media.URL+"/Media/ME1", "MediaContentType0", "image/jpeg")},
		{"/twilio/fax", common("FaxSid", sid("FX", 1), "From", "+15555550111", "To", ourNumber, "FaxStatus", "received",
			"NumPages", "2", "MediaUrl", d.media.URL+"/Fax/FX1.pdf")},
	}
}

// TestCallSMSAndFaxTwiceInAnyOrder: a call, an SMS with a picture and a fax,
// each webhook delivered twice, in shuffled orders (transcript before or after
// the recording, status before or after both), with the recording's download
// failing twice first: exactly three tickets, with their media, transcript and
// customer right.
func TestCallSMSAndFaxTwiceInAnyOrder(t *testing.T) {
	for seed := range 4 {
		t.Run(fmt.Sprintf("order%d", seed), func(t *testing.T) {
			d := newDesk(t)
			d.media.fail["/Recordings/RE1.mp3"] = 2
			// The call's own webhook comes first: Twilio records nothing
			// before it has answered it. Everything after, its redelivery
			// included, comes in any order.
			all := d.callSMSAndFax()
			hooks := append(all[1:], d.callSMSAndFax()...)
			rng := rand.New(rand.NewPCG(uint64(seed), 7))
			rng.Shuffle(len(hooks), func(i, j int) { hooks[i], hooks[j] = hooks[j], hooks[i] })
			hooks = append([]webhook{all[0]}, hooks...)
			for _, h := range hooks {
				if code := d.post(h.path, h.form); code >= 300 {
					t.Fatalf("POST %s: %d", h.path, code)
				}
			}
			d.checkCallSMSAndFax(t)
		})
	}
}

// checkCallSMSAndFax waits until the webhooks of callSMSAndFax are three
// tickets, with their media, and checks them.
func (d *phoneDesk) checkCallSMSAndFax(t *testing.T) {
	t.Helper()
	var byChannel map[ticket.Channel]*ticket.Ticket
	eventually(t, "three tickets with all their media", func() bool {
		byChannel = map[ticket.Channel]*ticket.Ticket{}
		ts := d.tickets()
		for _, tk := range ts {
			byChannel[tk.Channel] = tk
		}
		return len(ts) == 3 && len(byChannel) == 3 &&
			len(byChannel[ticket.ChannelVoice].Messages[0].Attachments) == 1 &&
			len(byChannel[ticket.ChannelSMS].Messages[0].Attachments) == 1 &&
			len(byChannel[ticket.ChannelFax].Messages[0].Attachments) == 1
	})
	voice, sms, fax := byChannel[ticket.ChannelVoice], byChannel[ticket.ChannelSMS], byChannel[ticket.ChannelFax]
	vm := voice.Messages
	if len(vm) != 1 || vm[0].Kind != ticket.KindVoicemail || !strings.Contains(vm[0].Text, "order 553") ||
		vm[0].Meta["duration"] != "14" || vm[0].From != caller || voice.Queue != "phone" {
		t.Fatalf("voice ticket = %+v", voice)
	}
	audio := vm[0].Attachments[0]
	if _, data, err := d.store.Attachment(context.Background(), voice.ID, audio.ID); err != nil ||
		string(data) != "ID3 audio of /Recordings/RE1.mp3" || audio.ContentType != "audio/mpeg" {
		t.Fatalf("recording = %+v %q %v", audio, data, err)
	}
	if len(sms.Messages) != 1 || sms.Messages[0].Text != "Here is a photo of the damage" ||
		sms.Messages[0].Attachments[0].ContentType != "image/jpeg" {
		t.Fatalf("sms ticket = %+v", sms)
	}
	if len(fax.Messages) != 1 || fax.Messages[0].Attachments[0].ContentType != "application/pdf" || fax.Customer.Phone != "+15555550111" {
		t.Fatalf("fax ticket = %+v", fax)
	}
	if voice.Customer.ID == "" || voice.Customer.ID != sms.Customer.ID || voice.Customer.Phone != caller {
		t.Fatalf("the caller who also texted should be one customer: %+v / %+v", voice.Customer, sms.Customer)
	}
}

func TestMissedCalls(t *testing.T) {
	d := newDesk(t)
	status := func(sid, st string) url.Values {
		return url.Values{"AccountSid": {accountSID}, "CallSid": {sid}, "From": {caller}, "To": {ourNumber}, "CallStatus": {st}}
	}
	for range 2 {
		d.post("/twilio/voice", status(sid("CA", 7), "ringing"))
		d.post("/twilio/voice/status", status(sid("CA", 7), "no-answer"))
	}
	ts := d.tickets()
	if len(ts) != 1 || ts[0].Messages[0].Kind != ticket.KindMissedCall || len(ts[0].Messages) != 1 ||
		!strings.Contains(ts[0].Messages[0].Text, "Call back "+caller) {
		t.Fatalf("missed call tickets = %+v", ts)
	}
}

// A call that was answered and ended without a recording (the caller hung up
// before the tone) is filed as missed once no recording came; one that left a
// voicemail is not.
func TestHangUpBeforeTheTone(t *testing.T) {
	d := newDesk(t)
	form := func(sid, st string) url.Values {
		return url.Values{"AccountSid": {accountSID}, "CallSid": {sid}, "From": {caller}, "To": {ourNumber}, "CallStatus": {st}}
	}
	d.post("/twilio/voice", form(sid("CA", 8), "ringing"))
	d.post("/twilio/voice/status", form(sid("CA", 8), "completed"))
	d.post("/twilio/voice/status", form(sid("CA", 8), "completed"))
	d.post("/twilio/voice", form(sid("CA", 9), "ringing"))
	d.post("/twilio/voice/recording", url.Values{"AccountSid": {accountSID}, "CallSid": {sid("CA", 9)}, "RecordingSid": {sid("RE", 9)},
		"RecordingUrl": {d.media.URL + "/Recordings/RE9"}, "RecordingStatus": {"completed"}, "RecordingDuration": {"3"}})
	d.post("/twilio/voice/status", form(sid("CA", 9), "completed"))
	eventually(t, "a missed call for CA8", func() bool {
		for _, tk := range d.tickets() {
			if tk.Messages[0].Kind == ticket.KindMissedCall {
				return true
			}
		}
		return false
	})
	time.Sleep(200 * time.Millisecond) // CA9's check has run too by now
	ts := d.tickets()
	kinds := map[ticket.Kind]int{}
	for _, tk := range ts {
		for _, m := range tk.Messages {
			kinds[m.Kind]++
		}
	}
	if len(ts) != 2 || kinds[ticket.KindMissedCall] != 1 || kinds[ticket.KindVoicemail] != 1 {
		t.Fatalf("tickets %d, kinds %v; want one missed call (CA8) and one voicemail (CA9)", len(ts), kinds)
	}
}

func TestBadSignatureChangesNothing(t *testing.T) {
	d := newDesk(t)
	before := d.mr.Keys()
	form := d.callSMSAndFax()[4].form
	req, _ := http.NewRequest(http.MethodPost, d.hooks.URL+"/twilio/sms", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", phone.Sign("wrong-token", d.hooks.URL+"/twilio/sms", form))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("bad signature: %d, want 403", resp.StatusCode)
	}
	if after := d.mr.Keys(); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("Redis changed: %v -> %v", before, after)
	}
}

func TestRedisDownAnswers503(t *testing.T) {
	d := newDesk(t)
	d.mr.Close()
	if code := d.post("/twilio/sms", d.callSMSAndFax()[4].form); code != http.StatusServiceUnavailable {
		t.Fatalf("with Redis down: %d, want 503", code)
	}
}
