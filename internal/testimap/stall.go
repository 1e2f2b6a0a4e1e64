// Package testimap holds test helpers for IMAP clients: a TCP proxy that
// plays a hung IMAP server, for the poller's unit tests and the load run.
package testimap

import (
	"bytes"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"
)

// Stall forwards TCP connections to an IMAP server, and plays a hung server
// while armed: once a client sends a command containing the trigger, grace
// more bytes of the answer go back and then nothing more in either direction
// (the client is not heard from the trigger on) — mid-FETCH, as a server
// that hangs or a middlebox that drops a connection silently. The connection
// stays open until its client closes it, which only the client's own
// deadline will do.
type Stall struct {
	addr string

	mu      sync.Mutex
	trigger string // "" when disarmed
	grace   int
	once    bool            // disarm after the first stall
	stalled int             // connections made silent
	gaveUp  []time.Duration // of silent connections their client closed: how long after the stall
}

// Start listens on a free loopback port and forwards to target (host:port).
// The proxy and its connections are closed when the test ends.
func Start(t testing.TB, target string) *Stall {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	px := &Stall{addr: ln.Addr().String()}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var open []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				_ = c.Close()
				continue
			}
			mu.Lock()
			open = append(open, c, s)
			mu.Unlock()
			wg.Go(func() { px.serve(c, s) })
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		mu.Lock()
		for _, c := range open {
			_ = c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return px
}

// HostPort is where clients reach the proxy.
func (px *Stall) HostPort() (string, int) {
	host, port, _ := net.SplitHostPort(px.addr)
	p, _ := strconv.Atoi(port)
	return host, p
}

// Arm makes the connections that send trigger from now on go silent after
// grace bytes of the answer; with once, only the first of them. Connections
// already silent stay so.
func (px *Stall) Arm(trigger string, grace int, once bool) {
	px.mu.Lock()
	defer px.mu.Unlock()
	px.trigger, px.grace, px.once = trigger, grace, once
}

// Disarm stops making new connections silent (those already silent stay so).
func (px *Stall) Disarm() { px.Arm("", 0, false) }

// Counts returns how many connections went silent, and how long after its
// stall each one that its client gave up on was closed.
func (px *Stall) Counts() (stalled int, gaveUp []time.Duration) {
	px.mu.Lock()
	defer px.mu.Unlock()
	return px.stalled, append([]time.Duration(nil), px.gaveUp...)
}

// conn is the state of one forwarded connection.
type conn struct {
	mu        sync.Mutex
	triggered bool
	grace     int
	silent    bool
	at        time.Time // when it was triggered
}

func (px *Stall) serve(c, s net.Conn) {
	st := &conn{}
	done := make(chan struct{})
	go func() { // server to client
		defer close(done)
		buf := make([]byte, 32<<10)
		for {
			n, err := s.Read(buf)
			out := buf[:n]
			st.mu.Lock()
			switch {
			case st.silent:
				out = nil
			case st.triggered:
				if len(out) >= st.grace {
					out, st.silent = out[:st.grace], true
				}
				st.grace -= len(out)
			}
			silent := st.silent
			st.mu.Unlock()
			if len(out) > 0 {
				if _, werr := c.Write(out); werr != nil {
					return
				}
			}
			if err != nil {
				if !silent {
					_ = c.Close() // the server hung up: so does the proxy
				}
				return
			}
		}
	}()
	buf := make([]byte, 32<<10)
	for {
		n, err := c.Read(buf)
		st.mu.Lock()
		silent, at := st.silent || st.triggered, st.at
		st.mu.Unlock()
		if n > 0 && !silent {
			// Armed before the command goes on, so that none of its
			// answer slips through.
			px.mu.Lock()
			if px.trigger != "" && bytes.Contains(buf[:n], []byte(px.trigger)) {
				st.mu.Lock()
				st.triggered, st.grace, st.silent, st.at = true, px.grace, px.grace == 0, time.Now()
				st.mu.Unlock()
				px.stalled++
				if px.once {
					px.trigger = ""
				}
			}
			px.mu.Unlock()
			if _, werr := s.Write(buf[:n]); werr != nil {
				break
			}
		}
		if err != nil {
			if silent { // the client gave up on the silent connection
				px.mu.Lock()
				px.gaveUp = append(px.gaveUp, time.Since(at))
				px.mu.Unlock()
			}
			break
		}
	}
	_ = s.Close()
	_ = c.Close()
	<-done
}
