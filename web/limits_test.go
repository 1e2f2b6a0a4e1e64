package web

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// testLimits are limits sized for tests: a slow client is cut off within a
// fraction of a second, not the production seconds.
var testLimits = Limits{
	MaxConnections:    1000,
	ReadHeaderTimeout: 300 * time.Millisecond,
	IdleTimeout:       300 * time.Millisecond,
	Webhooks:          BodyLimit{ReadTimeout: 300 * time.Millisecond, MaxBytes: 64 << 10},
	API:               BodyLimit{ReadTimeout: 300 * time.Millisecond, MaxBytes: 1 << 20},
	UI:                BodyLimit{ReadTimeout: 300 * time.Millisecond, MaxBytes: 2 << 20},
	Uploads:           BodyLimit{ReadTimeout: 300 * time.Millisecond, MaxBytes: 3 << 20},
}

// closedWithin is how long a test waits for the server to close a
// connection it must close. It is far longer than any test limit, so that a
// slow machine does not fail the test; only a server that never closes it
// does.
const closedWithin = 10 * time.Second

// bodyReaders are routes of each class whose handlers read the body whole,
// as the real ones do: 413 when it is too large, 400 when it fails.
var bodyReaders = []string{"/twilio/in", "/api/v1/in", "/in"}

// startLimited serves s, with bodyReaders added to its routes, on a
// loopback listener until the test ends, and returns the address.
func startLimited(t *testing.T, s *Server) string {
	t.Helper()
	mux := s.routes()
	for _, path := range bodyReaders {
		mux.HandleFunc("POST "+path, readWhole)
	}
	s.handler = s.middleware(mux)
	ln := listen(t)
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return ln.Addr().String()
}

func readWhole(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(r.Body)
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		http.Error(w, "too large", http.StatusRequestEntityTooLarge)
	case err != nil:
		http.Error(w, "cannot read body", http.StatusBadRequest)
	default:
		fmt.Fprintf(w, "read %d bytes\n", len(b))
	}
}

// dial opens a raw TCP connection to addr, closed when the test ends.
func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// trickle writes data to c a byte every 100 ms until it is written, the
// server stops taking it, or the test ends.
func trickle(t *testing.T, c net.Conn, data string) {
	stop := make(chan struct{})
	t.Cleanup(func() { close(stop) })
	go func() {
		for i := range len(data) {
			if _, err := c.Write([]byte{data[i]}); err != nil {
				return
			}
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
}

// wantClosed fails the test unless the server closes c (after whatever
// answer it gives) within closedWithin, and returns what it sent.
func wantClosed(t *testing.T, c net.Conn, what string) string {
	t.Helper()
	if err := c.SetReadDeadline(time.Now().Add(closedWithin)); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("%s: the connection is still open after %s (got %q)", what, closedWithin, got)
	}
	// EOF (io.ReadAll's nil) or a reset: the server closed it.
	return string(got)
}

// A slowloris client sending its headers a byte at a time is cut off.
func TestSlowHeadersCutOff(t *testing.T) {
	s := New(Options{Limits: testLimits})
	addr := startLimited(t, s)
	c := dial(t, addr)
	trickle(t, c, "GET /healthz HTTP/1.1\r\nHost: desk\r\nX-Padding: "+strings.Repeat("a", 200)+"\r\n\r\n")
	if got := wantClosed(t, c, "headers a byte every 100 ms"); strings.Contains(got, "200 OK") {
		t.Errorf("a request whose headers took longer than ReadHeaderTimeout was answered: %q", got)
	}
}

// A client that sends its headers at once and then its body a byte at a
// time is cut off, on every route class.
func TestSlowBodyCutOff(t *testing.T) {
	s := New(Options{Limits: testLimits})
	addr := startLimited(t, s)
	for _, path := range bodyReaders {
		t.Run(path, func(t *testing.T) {
			c := dial(t, addr)
			head := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: desk\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n", path)
			if _, err := io.WriteString(c, head); err != nil {
				t.Fatal(err)
			}
			trickle(t, c, strings.Repeat("a", 1000))
			if got := wantClosed(t, c, "a body a byte every 100 ms"); strings.Contains(got, "200 OK") {
				t.Errorf("a body that took longer than its read timeout was taken: %q", got)
			}
		})
	}
}

// An idle keep-alive connection is closed.
func TestIdleConnectionClosed(t *testing.T) {
	s := New(Options{Limits: testLimits})
	c := dial(t, startLimited(t, s))
	if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: desk\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	if got := wantClosed(t, c, "an idle connection"); !strings.HasPrefix(got, "HTTP/1.1 200 OK") {
		t.Errorf("the request before the idle time was not answered: %q", got)
	}
}

// Once the body is in, the handler has as long as it needs: neither the
// body's read deadline nor a deadline on a request without a body cancels
// the request's context.
func TestHandlerOutlivesBodyDeadline(t *testing.T) {
	s := New(Options{Limits: testLimits})
	mux := s.routes()
	slow := func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		select {
		case <-r.Context().Done():
			http.Error(w, "context canceled", http.StatusServiceUnavailable)
		case <-time.After(3 * testLimits.UI.ReadTimeout):
			_, _ = io.WriteString(w, "done\n")
		}
	}
	mux.HandleFunc("POST /work", slow)
	mux.HandleFunc("GET /work", slow)
	s.handler = s.middleware(mux)
	srv := httptest.NewServer(s.handler)
	defer srv.Close()

	for _, method := range []string{"POST", "GET"} {
		var body io.Reader
		if method == "POST" {
			body = strings.NewReader("a=b")
		}
		req, err := http.NewRequest(method, srv.URL+"/work", body)
		if err != nil {
			t.Fatal(err)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s /work: %v", method, err)
		}
		b, _ := io.ReadAll(res.Body)
		_ = res.Body.Close()
		if res.StatusCode != 200 {
			t.Errorf("%s /work: %d %q, want the handler to finish", method, res.StatusCode, b)
		}
	}
}

// noRead is a request body that fails the test if anything reads it.
type noRead struct{ t *testing.T }

func (b noRead) Read([]byte) (int, error) {
	b.t.Error("the body of a request declared too large was read")
	return 0, io.ErrUnexpectedEOF
}

// A body declared larger than its route class allows is refused with 413
// before a byte of it is read, and the connection is not kept.
func TestBodyOverLimitRefusedUnread(t *testing.T) {
	h := New(Options{}).Handler()
	d := DefaultLimits()
	tests := []struct {
		path   string
		length int64
		status int
		body   string
	}{
		{"/twilio/sms", d.Webhooks.MaxBytes + 1, 413, "request entity too large\n"},
		{"/twilio/nowhere", d.Webhooks.MaxBytes + 1, 413, "request entity too large\n"},
		{"/api/v1/tickets/1/notes", d.API.MaxBytes + 1, 413, `{"error":"request entity too large"}` + "\n"},
		{"/api/v1/tickets/1/replies", d.Uploads.MaxBytes + 1, 413, `{"error":"request entity too large"}` + "\n"},
		{"/tickets/1/reply", d.Uploads.MaxBytes + 1, 413, "request entity too large\n"},
		{"/login", d.UI.MaxBytes + 1, 413, "request entity too large\n"},
		{"/healthz", d.UI.MaxBytes + 1, 413, "request entity too large\n"},
	}
	for _, tt := range tests {
		req := httptest.NewRequest("POST", tt.path, io.NopCloser(noRead{t}))
		req.ContentLength = tt.length
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != tt.status || rec.Body.String() != tt.body || rec.Header().Get("Connection") != "close" {
			t.Errorf("POST %s (%d bytes): %d %q, Connection %q; want %d %q, close",
				tt.path, tt.length, rec.Code, rec.Body.String(), rec.Header().Get("Connection"), tt.status, tt.body)
		}
	}
}

// A reply may carry files: its routes, in the API and the UI, take bodies
// up to the files' cap in base64 and 1 MiB more; other routes of the same
// class still stop at theirs.
func TestUploadRoutesTakeLargerBodies(t *testing.T) {
	h := New(Options{}).Handler()
	d := DefaultLimits()
	if d.Uploads.MaxBytes < 25*1000*1000*4/3 {
		t.Fatalf("default upload limit %d is below 25 MB in base64", d.Uploads.MaxBytes)
	}
	for _, path := range []string{"/api/v1/tickets/1/replies", "/tickets/1/reply"} {
		req := httptest.NewRequest("POST", path, strings.NewReader("x"))
		req.ContentLength = d.API.MaxBytes * 3 // over the API's and the UI's limits
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code == 413 {
			t.Errorf("POST %s of %d bytes: 413, want it let through to the route", path, req.ContentLength)
		}
	}
	for _, path := range []string{"/api/v1/tickets/1/replies/x", "/tickets/1/reply/x", "/api/v1/tickets/1/notes"} {
		req := httptest.NewRequest("POST", path, io.NopCloser(noRead{t}))
		req.ContentLength = d.API.MaxBytes * 3
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 413 {
			t.Errorf("POST %s of %d bytes: %d, want 413", path, req.ContentLength, rec.Code)
		}
	}
}

// Over real TCP: a webhook whose declared body is far over the limit gets
// 413 while the client has sent none of it, and the connection closes; a
// body of unknown length is cut at the limit, also 413; one within the
// limit is read.
func TestBodyOverLimitOverTCP(t *testing.T) {
	addr := startLimited(t, New(Options{Limits: testLimits}))

	c := dial(t, addr)
	if _, err := io.WriteString(c, "POST /twilio/in HTTP/1.1\r\nHost: desk\r\nContent-Length: 10485760\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	if got := wantClosed(t, c, "10 MB declared, none sent"); !strings.HasPrefix(got, "HTTP/1.1 413 ") {
		t.Errorf("answer to a 10 MB webhook body: %q, want 413", got)
	}

	for _, tt := range []struct {
		size   int
		status int
	}{{64<<10 + 1, 413}, {64 << 10, 200}} {
		// A reader without a length: sent chunked, its size unknown
		// until it ends.
		body := io.MultiReader(strings.NewReader(strings.Repeat("a", tt.size)))
		res, err := http.Post("http://"+addr+"/twilio/in", "application/x-www-form-urlencoded", body)
		if err != nil {
			t.Fatalf("POST %d bytes chunked: %v", tt.size, err)
		}
		_ = res.Body.Close()
		if res.StatusCode != tt.status {
			t.Errorf("POST %d bytes chunked to a webhook: %d, want %d", tt.size, res.StatusCode, tt.status)
		}
	}
}

// The connection cap holds: with two connections open, a third is not
// answered until one of them closes.
func TestConnectionCap(t *testing.T) {
	l := testLimits
	l.MaxConnections = 2
	l.IdleTimeout = time.Minute // the two must stay open on their own
	addr := startLimited(t, New(Options{Limits: l}))

	get := "GET /healthz HTTP/1.1\r\nHost: desk\r\n\r\n"
	var open []net.Conn
	for range 2 {
		c := dial(t, addr)
		if _, err := io.WriteString(c, get); err != nil {
			t.Fatal(err)
		}
		if err := c.SetReadDeadline(time.Now().Add(closedWithin)); err != nil {
			t.Fatal(err)
		}
		res, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("connection %d within the cap: %v", len(open)+1, err)
		}
		_ = res.Body.Close()
		open = append(open, c) // kept alive, idle
	}

	third := dial(t, addr)
	if _, err := io.WriteString(third, get); err != nil {
		t.Fatal(err)
	}
	// Not answered while the two are open. (Waiting longer could only
	// make a broken cap pass, never a working one fail.)
	if err := third.SetReadDeadline(time.Now().Add(300 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(third)
	if _, err := br.Peek(1); err == nil {
		t.Fatal("a third connection was answered with the cap at two")
	}
	// Answered once one of them closes.
	if err := open[0].Close(); err != nil {
		t.Fatal(err)
	}
	if err := third.SetReadDeadline(time.Now().Add(closedWithin)); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("third connection after one closed: %v", err)
	}
	_ = res.Body.Close()
	if res.StatusCode != 200 {
		t.Errorf("third connection: %d, want 200", res.StatusCode)
	}
}

func TestLimitsDefaults(t *testing.T) {
	got := Limits{API: BodyLimit{MaxBytes: 5}}.withDefaults()
	want := DefaultLimits()
	want.API.MaxBytes = 5
	if got != want {
		t.Errorf("withDefaults = %+v, want %+v", got, want)
	}
}
