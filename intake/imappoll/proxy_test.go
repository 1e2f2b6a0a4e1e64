package imappoll

import (
	"bytes"
	"net"
	"strconv"
	"sync"
	"testing"

	"frontdesk/config"
)

// stallProxy forwards TCP connections to an IMAP server. Armed, it makes a
// connection go silent the way a hung server or a broken middlebox does:
// once the client has sent a command containing the trigger, grace more bytes
// of the server's answer go back, and then nothing more in either direction.
// The connection stays open until the client closes it.
type stallProxy struct {
	addr   string
	target string

	mu      sync.Mutex
	trigger string // "" when disarmed
	grace   int
	once    bool // disarm after the first stall
	stalled int  // connections made silent
	gaveUp  int  // silent connections that their client closed
}

func startProxy(t testing.TB, target string) *stallProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	px := &stallProxy{addr: ln.Addr().String(), target: target}
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

// arm makes the next connections that send trigger go silent after grace
// bytes of the answer; with once, only the first of them.
func (px *stallProxy) arm(trigger string, grace int, once bool) {
	px.mu.Lock()
	defer px.mu.Unlock()
	px.trigger, px.grace, px.once = trigger, grace, once
}

func (px *stallProxy) counts() (stalled, gaveUp int) {
	px.mu.Lock()
	defer px.mu.Unlock()
	return px.stalled, px.gaveUp
}

// mailbox is mb reached through the proxy.
func (px *stallProxy) mailbox(mb config.Mailbox) config.Mailbox {
	host, port, _ := net.SplitHostPort(px.addr)
	mb.Host = host
	mb.Port, _ = strconv.Atoi(port)
	return mb
}

// proxied is the state of one forwarded connection.
type proxied struct {
	mu        sync.Mutex
	triggered bool
	grace     int
	silent    bool
}

func (px *stallProxy) serve(c, s net.Conn) {
	st := &proxied{}
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
		silent := st.silent
		st.mu.Unlock()
		if n > 0 && !silent {
			// Armed before the command goes on, so that none of its
			// answer slips through.
			px.mu.Lock()
			if px.trigger != "" && bytes.Contains(buf[:n], []byte(px.trigger)) {
				st.mu.Lock()
				st.triggered, st.grace, st.silent = true, px.grace, px.grace == 0
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
				px.gaveUp++
				px.mu.Unlock()
			}
			break
		}
	}
	_ = s.Close()
	_ = c.Close()
	<-done
}
