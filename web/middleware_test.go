package web

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"frontdesk/web/auth"
	"frontdesk/web/internal/testweb"
)

var securityHeaderValues = map[string]string{
	"X-Content-Type-Options":  "nosniff",
	"X-Frame-Options":         "DENY",
	"Referrer-Policy":         "same-origin",
	"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
}

func TestSecurityHeaders(t *testing.T) {
	s := New(Options{Ready: func(ctx context.Context) error { return errors.New("down") }})
	mux := s.routes()
	mux.HandleFunc("GET /boom", func(http.ResponseWriter, *http.Request) { panic("boom") })
	h := s.middleware(mux)
	for _, target := range []string{"/healthz", "/readyz", "/metrics", "/nope", "/api/v1/nope", "/boom"} {
		res, _ := do(t, h, "GET", target)
		for name, want := range securityHeaderValues {
			if got := res.Header.Get(name); got != want {
				t.Errorf("GET %s (%d): %s = %q, want %q", target, res.StatusCode, name, got, want)
			}
		}
	}
}

func TestRecoverPanics(t *testing.T) {
	logger, logs := testLogger()
	s := New(Options{Logger: logger})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /boom", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "99")
		panic("kaboom")
	})
	mux.HandleFunc("GET /api/v1/boom", func(http.ResponseWriter, *http.Request) { panic("kaboom") })
	h := s.middleware(mux)

	res, body := do(t, h, "GET", "/boom")
	if res.StatusCode != 500 || body != "internal server error\n" {
		t.Errorf("GET /boom = %d %q, want 500 \"internal server error\\n\"", res.StatusCode, body)
	}
	if cl := res.Header.Get("Content-Length"); cl == "99" {
		t.Errorf("the handler's Content-Length survived the panic")
	}
	res, body = do(t, h, "GET", "/api/v1/boom")
	if res.StatusCode != 500 || body != `{"error":"internal server error"}`+"\n" {
		t.Errorf("GET /api/v1/boom = %d %q, want 500 JSON", res.StatusCode, body)
	}
	out := logs.String()
	for _, want := range []string{"panic serving HTTP request", "panic=kaboom", "route=\"GET /boom\"", "stack="} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(out, "status=500") {
		t.Errorf("access log does not record the 500:\n%s", out)
	}
}

// A panic after the answer has begun cannot become a 500: the connection is
// aborted so the client sees a broken answer, not a short one.
func TestRecoverPanicAfterWrite(t *testing.T) {
	s := New(Options{})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /half", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("partial"))
		panic("kaboom")
	})
	srv := httptest.NewServer(s.middleware(mux))
	defer srv.Close()

	res, err := http.Get(srv.URL + "/half")
	if err == nil {
		_, err = io.ReadAll(res.Body)
		_ = res.Body.Close()
	}
	if err == nil {
		t.Errorf("GET /half read a whole answer; want the connection aborted")
	}
}

func TestAccessLog(t *testing.T) {
	logger, logs := testLogger()
	h := New(Options{Logger: logger}).Handler()
	do(t, h, "GET", "/healthz")
	out := logs.String()
	for _, want := range []string{"level=DEBUG", `msg="http request"`, "method=GET", "path=/healthz", `route="GET /healthz"`, "status=200", "bytes=3"} {
		if !strings.Contains(out, want) {
			t.Errorf("access log lacks %q:\n%s", want, out)
		}
	}
}

func TestStatusWriterUnwrap(t *testing.T) {
	rec := httptest.NewRecorder()
	sw := &statusWriter{ResponseWriter: rec}
	if err := http.NewResponseController(sw).Flush(); err != nil {
		t.Errorf("Flush through statusWriter: %v", err)
	}
	if !rec.Flushed {
		t.Errorf("recorder not flushed")
	}
}

// The UI's pages get the security headers of every answer; only their
// Content Security Policy is the UI's own (package ui).
func TestSecurityHeadersOnUIPages(t *testing.T) {
	h := New(Options{Desk: testweb.NewDesk(t, testweb.NewStore(t), testweb.NewAccounts()), Accounts: testweb.NewAccounts(), Sessions: noSessions{}}).Handler()
	res, _ := do(t, h, "GET", "/login")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /login: %d", res.StatusCode)
	}
	if res.Header.Get("X-Frame-Options") != "DENY" || res.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("login page headers: %v", res.Header)
	}
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("login page CSP = %q, want the UI's", csp)
	}
}

// noSessions signs nobody in.
type noSessions struct{}

func (noSessions) Login(context.Context, string, string, netip.Addr) (auth.Principal, string, error) {
	return auth.Principal{}, "", errors.New("no sessions here")
}

func (noSessions) Session(context.Context, string) (auth.Principal, error) {
	return auth.Principal{}, errors.New("no sessions here")
}

func (noSessions) Logout(context.Context, string) error { return nil }

// With HSTS (an https public URL), every answer tells browsers to come back
// over HTTPS only; without it, none does.
func TestHSTS(t *testing.T) {
	for _, on := range []bool{true, false} {
		s := New(Options{HSTS: on, Ready: func(ctx context.Context) error { return errors.New("down") }})
		mux := s.routes()
		mux.HandleFunc("GET /boom", func(http.ResponseWriter, *http.Request) { panic("boom") })
		h := s.middleware(mux)
		want := ""
		if on {
			want = "max-age=31536000"
		}
		for _, target := range []string{"/healthz", "/readyz", "/metrics", "/nope", "/api/v1/nope", "/boom"} {
			res, _ := do(t, h, "GET", target)
			if got := res.Header.Get("Strict-Transport-Security"); got != want {
				t.Errorf("HSTS %v: GET %s (%d): Strict-Transport-Security = %q, want %q", on, target, res.StatusCode, got, want)
			}
		}
		req := httptest.NewRequest("POST", "/twilio/sms", strings.NewReader("x"))
		req.ContentLength = 1 << 30
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if got := rec.Header().Get("Strict-Transport-Security"); rec.Code != 413 || got != want {
			t.Errorf("HSTS %v: a refused body: %d, Strict-Transport-Security = %q, want 413, %q", on, rec.Code, got, want)
		}
	}
}
