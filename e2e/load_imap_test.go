package e2e

import (
	"bytes"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"
)

// hungMailbox is the mailbox whose IMAP server hangs in a load run: the
// instances reach its Dovecot through an imapStall proxy.
const hungMailbox = "sales"

// imapStall forwards TCP connections to an IMAP server, and plays a hung
// server while armed: once a client sends a command containing the
// trigger, grace more bytes of the answer go back and then nothing more in
// either direction — mid-FETCH, as a server that hangs or a middlebox that
// drops a connection silently. The connection stays open until its client
// closes it, which only the client's own deadline will do. (The same
// proxy as intake/imappoll's unit test, seen from outside the binary.)
type imapStall struct {
	addr string

	mu      sync.Mutex
	trigger string // "" when disarmed
	grace   int
	stalled int             // connections made silent
	gaveUp  []time.Duration // of silent connections their client closed: how long after the stall
}

// startIMAPStall listens on a free loopback port and forwards to target.
func startIMAPStall(t *testing.T, target string) *imapStall {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	px := &imapStall{addr: ln.Addr().String()}
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

func (px *imapStall) hostPort() (string, int) {
	host, port, _ := net.SplitHostPort(px.addr)
	p, _ := strconv.Atoi(port)
	return host, p
}

// arm makes every connection that sends trigger from now on go silent
// after grace bytes of the answer; disarm stops making new ones silent
// (those already silent stay so).
func (px *imapStall) arm(trigger string, grace int) {
	px.mu.Lock()
	px.trigger, px.grace = trigger, grace
	px.mu.Unlock()
}

func (px *imapStall) disarm() { px.arm("", 0) }

// counts returns how many connections went silent, and how long after its
// stall each one that its client gave up on was closed.
func (px *imapStall) counts() (stalled int, gaveUp []time.Duration) {
	px.mu.Lock()
	defer px.mu.Unlock()
	return px.stalled, append([]time.Duration(nil), px.gaveUp...)
}

// stallState is the state of one forwarded connection.
type stallState struct {
	mu        sync.Mutex
	triggered bool
	grace     int
	silent    bool
	at        time.Time // when it was triggered
}

func (px *imapStall) serve(c, s net.Conn) {
	st := &stallState{}
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
			px.mu.Lock()
			if px.trigger != "" && bytes.Contains(buf[:n], []byte(px.trigger)) {
				st.mu.Lock()
				st.triggered, st.grace, st.silent, st.at = true, px.grace, px.grace == 0, time.Now()
				st.mu.Unlock()
				px.stalled++
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
