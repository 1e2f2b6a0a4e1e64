package web

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	return ln
}

func TestServeShutsDownGracefully(t *testing.T) {
	started := make(chan struct{})
	release := make(chan struct{})
	s := New(Options{})
	mux := s.routes()
	mux.HandleFunc("GET /slow", func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
		_, _ = io.WriteString(w, "done\n")
	})
	s.handler = s.middleware(mux)

	ln := listen(t)
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln) }()

	url := "http://" + ln.Addr().String()
	res, err := http.Get(url + "/healthz")
	if err != nil {
		t.Fatalf("GET /healthz: %v", err)
	}
	_ = res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("GET /healthz = %d", res.StatusCode)
	}

	type answer struct {
		body string
		err  error
	}
	slow := make(chan answer, 1)
	go func() {
		res, err := http.Get(url + "/slow")
		if err != nil {
			slow <- answer{err: err}
			return
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		slow <- answer{string(b), err}
	}()
	<-started
	cancel()

	// Serve waits for the request in flight.
	select {
	case err := <-served:
		t.Fatalf("Serve returned %v with a request in flight", err)
	case <-time.After(100 * time.Millisecond):
	}
	// New connections are refused meanwhile.
	if c, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
		_ = c.Close()
		t.Errorf("a new connection was accepted during shutdown")
	}
	close(release)
	if a := <-slow; a.err != nil || a.body != "done\n" {
		t.Errorf("request in flight got %q, %v; want it finished", a.body, a.err)
	}
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("Serve = %v, want nil after shutdown", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after shutdown")
	}
}

func TestServeGivesUpAfterGracePeriod(t *testing.T) {
	s := New(Options{})
	s.shutdownTimeout = 50 * time.Millisecond
	started := make(chan struct{})
	mux := s.routes()
	mux.HandleFunc("GET /stuck", func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-r.Context().Done() // until the connection is closed
	})
	s.handler = s.middleware(mux)

	ln := listen(t)
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln) }()
	go func() {
		if res, err := http.Get("http://" + ln.Addr().String() + "/stuck"); err == nil {
			_ = res.Body.Close()
		}
	}()
	<-started
	cancel()
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("Serve = %v, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not give up on a stuck request")
	}
}

func TestServeReturnsListenerError(t *testing.T) {
	ln := listen(t)
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	err := New(Options{}).Serve(context.Background(), ln)
	if err == nil || errors.Is(err, http.ErrServerClosed) {
		t.Errorf("Serve on a closed listener = %v, want the accept error", err)
	}
}
