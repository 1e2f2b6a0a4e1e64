// Package smtpsink is an SMTP server that keeps the mail it receives in
// memory, built on go-smtp's server: the demo shows newcomers the mail
// frontdesk sends through it, and tests check what arrived.
package smtpsink

import (
	"io"
	"log"
	"net"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
)

// Received is one mail the sink accepted.
type Received struct {
	// User is whom the session signed in as (StartWith's Tokens).
	User string
	From string
	To   []string
	Data []byte
	At   time.Time
	// EnvelopeID and Notify are the DSN parameters the mail came with
	// (ENVID of MAIL, NOTIFY of its first RCPT), with Options.DSN.
	EnvelopeID string
	Notify     []string
}

// Sink is a running SMTP server on loopback.
type Sink struct {
	srv *smtp.Server
	ln  net.Listener

	mu       sync.Mutex
	received []Received
	down     bool
	onMail   func(Received)
	// tokens, when set, checks OAuth2 sign-ins (StartWith).
	tokens   func(user, token string) bool
	accepted int
	refused  int
	answer   time.Duration
	// refuseTo and cuts: see trouble.go.
	refuseTo map[string]bool
	cuts     int
}

// Start serves SMTP on a free loopback port. onMail, when set, is called for
// every mail accepted.
func Start(onMail func(Received)) (*Sink, error) { return StartWith(Options{OnMail: onMail}) }

// StartWith is Start with options.
func StartWith(o Options) (*Sink, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Sink{ln: ln, onMail: o.OnMail, tokens: o.Tokens, answer: o.Answer}
	s.srv = smtp.NewServer(backend{s})
	s.srv.EnableDSN = o.DSN
	s.srv.Domain = "sink.localhost"
	s.srv.AllowInsecureAuth = true
	s.srv.ErrorLog = log.New(io.Discard, "", 0)
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// Addr is host:port of the sink.
func (s *Sink) Addr() string { return s.ln.Addr().String() }

// Port is the sink's port.
func (s *Sink) Port() int { return s.ln.Addr().(*net.TCPAddr).Port }

// Received returns the mail accepted so far.
func (s *Sink) Received() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.received...)
}

// SetDown makes the sink answer every new mail with 421 (service not
// available), as a server that is going down does, until SetDown(false).
func (s *Sink) SetDown(down bool) {
	s.mu.Lock()
	s.down = down
	s.mu.Unlock()
}

// Close stops the sink.
func (s *Sink) Close() error { return s.srv.Close() }

type backend struct{ s *Sink }

func (b backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &session{s: b.s, conn: c}, nil
}

type session struct {
	s      *Sink
	conn   *smtp.Conn
	user   string
	from   string
	to     []string
	envID  string
	notify []string
}

func (x *session) Reset()        { x.from, x.to, x.envID, x.notify = "", nil, "", nil }
func (x *session) Logout() error { return nil }

func (x *session) Mail(from string, o *smtp.MailOptions) error {
	if o != nil {
		x.envID = o.EnvelopeID
	}
	x.s.mu.Lock()
	down := x.s.down
	x.s.mu.Unlock()
	if down {
		return &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 3, 2}, Message: "sink is down"}
	}
	if x.s.tokens != nil && x.user == "" {
		return errNotSignedIn
	}
	x.from = from
	return nil
}

func (x *session) Rcpt(to string, o *smtp.RcptOptions) error {
	if o != nil && len(x.to) == 0 {
		for _, n := range o.Notify {
			x.notify = append(x.notify, string(n))
		}
	}
	if x.s.refuses(to) {
		return errNoSuchUser
	}
	x.to = append(x.to, to)
	return nil
}

func (x *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m := Received{User: x.user, From: x.from, To: x.to, Data: data, At: time.Now(), EnvelopeID: x.envID, Notify: x.notify}
	x.s.mu.Lock()
	x.s.received = append(x.s.received, m)
	cb := x.s.onMail
	cut := x.s.cuts > 0
	if cut {
		x.s.cuts--
	}
	x.s.mu.Unlock()
	if cb != nil {
		cb(m)
	}
	if cut {
		_ = x.conn.Close() // kept, and no answer to the final dot
		return nil
	}
	time.Sleep(x.s.answer)
	return nil
}
