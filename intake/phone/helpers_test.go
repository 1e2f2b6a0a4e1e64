package phone

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"frontdesk/config"
	"frontdesk/internal/testlog"
)

const (
	testToken   = "test-auth-token"
	testAccount = "AC00000000000000000000000000000000" // newEnv's twilio.account_sid
)

// sid returns a well-formed Twilio SID: prefix and n as 32 lower-case hex
// digits.
func sid(prefix string, n int) string { return fmt.Sprintf("%s%032x", prefix, n) }

// fakeSink records the events it is given, or fails with err.
type fakeSink struct {
	mu     sync.Mutex
	err    error
	delay  time.Duration
	events []any
}

func (s *fakeSink) store(ctx context.Context, e any) error {
	if s.delay > 0 {
		select {
		case <-time.After(s.delay):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	s.events = append(s.events, e)
	return nil
}

func (s *fakeSink) Call(ctx context.Context, c Call) error                   { return s.store(ctx, c) }
func (s *fakeSink) Recording(ctx context.Context, r Recording) error         { return s.store(ctx, r) }
func (s *fakeSink) Transcription(ctx context.Context, t Transcription) error { return s.store(ctx, t) }
func (s *fakeSink) CallStatus(ctx context.Context, c CallStatus) error       { return s.store(ctx, c) }
func (s *fakeSink) SMS(ctx context.Context, m SMS) error                     { return s.store(ctx, m) }
func (s *fakeSink) Fax(ctx context.Context, f Fax) error                     { return s.store(ctx, f) }

var _ Sink = (*fakeSink)(nil)

func (s *fakeSink) setErr(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.err = err
}

func (s *fakeSink) stored() []any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]any(nil), s.events...)
}

// clock is a settable Options.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// office is Mon-Fri 09:00-17:00 in Amsterdam.
func office(t testing.TB) config.Calendar {
	t.Helper()
	c, err := config.Parse([]byte(`
business_hours:
  office: {timezone: Europe/Amsterdam, days: mon-fri, hours: "09:00-17:00"}
`), nil)
	if err != nil {
		t.Fatal(err)
	}
	cal, ok := c.Calendar("office")
	if !ok {
		t.Fatal("no calendar office")
	}
	return cal
}

// Friday 27 November 2026 in Amsterdam (UTC+1): open at 10:00, closed at 20:00.
var (
	openTime   = time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	closedTime = time.Date(2026, 11, 27, 19, 0, 0, 0, time.UTC)
)

// testNumbers are the configured numbers of the tests.
var testNumbers = []config.Number{
	{Number: "+15555550100", Queue: "phone", Greeting: "Hello from support.", AfterHoursGreeting: "We are closed.",
		BusinessHours: "office", Transcribe: true, MaxRecordingLength: 3 * time.Minute},
	{Number: "+15555550101", Queue: "sales", Greeting: "Hello from sales.", MaxRecordingLength: 90 * time.Second},
}

// env is a Webhooks served on loopback, with its sink, clock, log and
// metrics.
type env struct {
	srv   *httptest.Server
	sink  *fakeSink
	clock *clock
	log   *testlog.Buffer
	reg   *prometheus.Registry
	wh    *Webhooks
}

func newEnv(t testing.TB, edit func(*Options)) *env {
	t.Helper()
	e := &env{sink: &fakeSink{}, clock: &clock{t: openTime}, log: &testlog.Buffer{}, reg: prometheus.NewRegistry()}
	cals := map[string]config.Calendar{"office": office(t)}
	opts := &Options{
		Twilio: config.Twilio{
			AccountSID: testAccount, AuthToken: testToken,
			DefaultQueue: "support", Numbers: testNumbers,
		},
		Calendars:  cals,
		Logger:     slog.New(slog.NewTextHandler(e.log, nil)),
		Registerer: e.reg,
		Now:        e.clock.now,
	}
	if edit != nil {
		edit(opts)
	}
	mux := http.NewServeMux()
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	if opts.PublicURL == "" {
		opts.PublicURL = e.srv.URL
	}
	e.wh = New(e.sink, opts)
	e.wh.Register(mux)
	return e
}

// post sends params to path signed as Twilio would, with signature sig
// when it is not empty ("-" sends no header), and returns the response
// and its body.
func (e *env) post(t testing.TB, path string, params url.Values, sig string) (*http.Response, string) {
	t.Helper()
	if sig == "" {
		sig = Sign(testToken, e.srv.URL+path, params)
	}
	return postRaw(t, e.srv.URL+path, params.Encode(), sig)
}

func postRaw(t testing.TB, u, body, sig string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if sig != "-" {
		req.Header.Set("X-Twilio-Signature", sig)
	}
	return do(t, req)
}

func twilioWithToken(token string) config.Twilio {
	return config.Twilio{AuthToken: token, DefaultQueue: "support", Numbers: testNumbers}
}

func stringsReader(s string) io.Reader { return strings.NewReader(s) }

// do sends req and returns the response and its body.
func do(t testing.TB, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if err := resp.Body.Close(); err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}
