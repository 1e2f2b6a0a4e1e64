package e2e

import (
	"bytes"
	"fmt"
	"io"
	"log"
	"net"
	"net/mail"
	"strconv"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
)

// loadSink is the SMTP server the instances send acknowledgements and
// replies to: a go-smtp server on a fixed loopback port that the harness can
// stop (the port then refuses connections) and start again, counting every
// mail it accepts by Message-ID.
// sinkDotDelay is how long the sink takes to answer the final dot.
const sinkDotDelay = 20 * time.Millisecond

type loadSink struct {
	addr string

	mu       sync.Mutex
	srv      *smtp.Server
	draining bool // stopping: new transactions get 421
	inData   int  // sessions inside DATA
	// byID counts accepted mails by Message-ID; acks counts automatic
	// answers (Auto-Submitted) by the Message-ID they answer (In-Reply-To).
	byID     map[string]int
	acks     map[string]int
	accepted int
	last     time.Time // when the last mail was accepted
}

// startLoadSink serves SMTP on a free loopback port.
func startLoadSink() (*loadSink, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen for the SMTP sink: %w", err)
	}
	s := &loadSink{addr: ln.Addr().String(), byID: map[string]int{}, acks: map[string]int{}}
	s.serve(ln)
	return s, nil
}

// port is the sink's port, the same across restarts.
func (s *loadSink) port() int {
	_, p, _ := net.SplitHostPort(s.addr)
	n, _ := strconv.Atoi(p)
	return n
}

func (s *loadSink) serve(ln net.Listener) {
	srv := smtp.NewServer(sinkBackend{s})
	srv.Domain = "sink.localhost"
	srv.ErrorLog = log.New(io.Discard, "", 0)
	s.mu.Lock()
	s.srv, s.draining = srv, false
	s.mu.Unlock()
	go func() { _ = srv.Serve(ln) }()
}

// stop takes the server down as an MTA that is stopped does: new
// transactions are refused with 421, transactions already under way finish
// (their answer written), and then the listener (new connections are
// refused) and every connection are closed.
func (s *loadSink) stop() {
	s.mu.Lock()
	s.draining = true
	srv := s.srv
	s.mu.Unlock()
	// No session in DATA for 200 ms in a row: a transaction that passed
	// MAIL before the 421s began has reached DATA by then, and the answer to
	// the last DATA is written.
	idleSince := time.Now()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		s.mu.Lock()
		busy := s.inData
		s.mu.Unlock()
		if busy > 0 {
			idleSince = time.Now()
		} else if time.Since(idleSince) >= 200*time.Millisecond {
			break
		}
	}
	_ = srv.Close()
}

// start listens on the same port again.
func (s *loadSink) start() error {
	var err error
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		var ln net.Listener
		if ln, err = net.Listen("tcp", s.addr); err == nil {
			s.serve(ln)
			return nil
		}
	}
	return fmt.Errorf("listen again on %s: %w", s.addr, err)
}

// close stops the server for good.
func (s *loadSink) close() {
	s.mu.Lock()
	srv := s.srv
	s.mu.Unlock()
	_ = srv.Close()
}

// counts returns how many mails were accepted and when the last was.
func (s *loadSink) counts() (accepted int, last time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accepted, s.last
}

// received returns how often a mail with this Message-ID arrived.
func (s *loadSink) received(messageID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.byID[messageID]
}

// acksFor returns how many automatic answers to messageID arrived.
func (s *loadSink) acksFor(messageID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.acks[messageID]
}

// record counts one accepted mail.
func (s *loadSink) record(data []byte) {
	id, answers, auto := "", "", false
	if m, err := mail.ReadMessage(bytes.NewReader(data)); err == nil {
		id, answers = m.Header.Get("Message-ID"), m.Header.Get("In-Reply-To")
		auto = m.Header.Get("Auto-Submitted") != ""
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.accepted++
	s.last = time.Now()
	s.byID[id]++
	if auto {
		s.acks[answers]++
	}
}

type sinkBackend struct{ s *loadSink }

func (b sinkBackend) NewSession(*smtp.Conn) (smtp.Session, error) { return &sinkSession{s: b.s}, nil }

// sinkSession is one SMTP connection to the sink.
type sinkSession struct{ s *loadSink }

func (x *sinkSession) Reset()        {}
func (x *sinkSession) Logout() error { return nil }

func (x *sinkSession) Mail(string, *smtp.MailOptions) error {
	x.s.mu.Lock()
	draining := x.s.draining
	x.s.mu.Unlock()
	if draining {
		return &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 3, 2}, Message: "sink is stopping"}
	}
	return nil
}

func (x *sinkSession) Rcpt(string, *smtp.RcptOptions) error { return nil }

func (x *sinkSession) Data(r io.Reader) error {
	x.s.mu.Lock()
	x.s.inData++
	x.s.mu.Unlock()
	defer func() {
		x.s.mu.Lock()
		x.s.inData--
		x.s.mu.Unlock()
	}()
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	// A server that takes its time over the final dot, as real ones do
	// (content scanning, a queue's fsync): a kill of the sending instance
	// lands in this window more often, where a send may not be repeated.
	time.Sleep(sinkDotDelay)
	x.s.record(data)
	return nil
}
