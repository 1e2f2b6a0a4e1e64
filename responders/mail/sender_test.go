package mail

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"math/big"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"frontdesk/config"
)

// received is one message accepted by the test backend.
type received struct {
	from string
	rcpt []string
	data []byte
}

// backend is an in-memory go-smtp backend. Recipients in replies get the
// given reply to RCPT; with user set, MAIL needs AUTH PLAIN as user/pass.
type backend struct {
	user, pass string
	replies    map[string]*smtp.SMTPError
	discard    bool // keep nothing (benchmarks)

	mu   sync.Mutex
	msgs []received
}

var _ smtp.Backend = (*backend)(nil)

func (b *backend) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{b: b}, nil }

func (b *backend) messages() []received {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]received(nil), b.msgs...)
}

type session struct {
	b      *backend
	authed bool
	cur    received
}

var _ smtp.AuthSession = (*session)(nil)

func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != s.b.user || pass != s.b.pass {
			return errors.New("invalid credentials")
		}
		s.authed = true
		return nil
	}), nil
}

func (s *session) Reset()        { s.cur = received{} }
func (s *session) Logout() error { return nil }

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.b.user != "" && !s.authed {
		return smtp.ErrAuthRequired
	}
	s.cur = received{from: from}
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if e, ok := s.b.replies[to]; ok {
		return e
	}
	s.cur.rcpt = append(s.cur.rcpt, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if s.b.discard {
		return nil
	}
	s.cur.data = data
	s.b.mu.Lock()
	s.b.msgs = append(s.b.msgs, s.cur)
	s.b.mu.Unlock()
	return nil
}

// countingListener counts accepted connections.
type countingListener struct {
	net.Listener
	n atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.n.Add(1)
	}
	return c, err
}

// selfSigned returns a server certificate for 127.0.0.1 and localhost, and
// a client configuration that trusts it.
func selfSigned(t testing.TB) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "frontdesk test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost", "smtp.example.com"},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:                  true,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	server = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}}}
	return server, &tls.Config{RootCAs: pool}
}

type serverOpts struct {
	security string // tls, starttls (offered), none (STARTTLS not offered)
}

// startServer runs a go-smtp server for be on 127.0.0.1:0 and returns the
// SMTP configuration and sender options to reach it.
func startServer(t testing.TB, be *backend, o serverOpts) (*countingListener, config.SMTP, *SenderOptions) {
	t.Helper()
	srvTLS, cliTLS := selfSigned(t)
	s := smtp.NewServer(be)
	s.Domain = "localhost"
	s.AllowInsecureAuth = o.security == "none"
	s.ReadTimeout = 10 * time.Second
	s.WriteTimeout = 10 * time.Second
	s.ErrorLog = log.New(io.Discard, "", 0)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cl := &countingListener{Listener: ln}
	var serveLn net.Listener = cl
	switch o.security {
	case "tls":
		serveLn = tls.NewListener(cl, srvTLS)
	case "starttls":
		s.TLSConfig = srvTLS
	}
	go func() { _ = s.Serve(serveLn) }()
	t.Cleanup(func() { _ = s.Close() })

	host, port, _ := net.SplitHostPort(ln.Addr().String())
	p, _ := strconv.Atoi(port)
	return cl, config.SMTP{Host: host, Port: p, Security: o.security, HeloName: "desk.example.com"},
		&SenderOptions{TLSConfig: cliTLS, Logger: slog.New(slog.DiscardHandler)}
}

func testRaw(i int) []byte {
	return []byte(fmt.Sprintf("From: a@example.com\r\nTo: b@example.net\r\nSubject: %d\r\n\r\nbody %d\r\n.leading dot\r\n", i, i))
}

func TestSendSecurityModes(t *testing.T) {
	for _, sec := range []string{"none", "starttls", "tls"} {
		t.Run(sec, func(t *testing.T) {
			be := &backend{user: "desk", pass: "s3cret"}
			_, cfg, opts := startServer(t, be, serverOpts{security: sec})
			cfg.Username, cfg.Password = "desk", "s3cret"
			s := NewSender(cfg, opts)
			ctx := context.Background()
			if err := s.Send(ctx, "a@example.com", []string{"b@example.net", "c@example.net"}, testRaw(1)); err != nil {
				t.Fatal(err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			msgs := be.messages()
			if len(msgs) != 1 {
				t.Fatalf("%d messages", len(msgs))
			}
			m := msgs[0]
			if m.from != "a@example.com" || strings.Join(m.rcpt, ",") != "b@example.net,c@example.net" ||
				string(m.data) != string(testRaw(1)) {
				t.Errorf("received %+v %q", m, m.data)
			}
		})
	}
}

func TestSendWrongPassword(t *testing.T) {
	be := &backend{user: "desk", pass: "s3cret"}
	_, cfg, opts := startServer(t, be, serverOpts{security: "starttls"})
	cfg.Username, cfg.Password = "desk", "wrong"
	s := NewSender(cfg, opts)
	err := s.Send(context.Background(), "a@example.com", []string{"b@example.net"}, testRaw(1))
	if err == nil || len(be.messages()) != 0 {
		t.Fatalf("err = %v, %d messages", err, len(be.messages()))
	}
}

func TestSendStartTLSRequired(t *testing.T) {
	be := &backend{}
	_, cfg, opts := startServer(t, be, serverOpts{security: "none"}) // offers no STARTTLS
	cfg.Security = "starttls"
	s := NewSender(cfg, opts)
	err := s.Send(context.Background(), "a@example.com", []string{"b@example.net"}, testRaw(1))
	if err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Fatalf("err = %v, want a STARTTLS error", err)
	}
	if n := len(be.messages()); n != 0 {
		t.Fatalf("%d messages sent in plain text", n)
	}
}

func TestSendRefusesPlainAuthToRemoteHost(t *testing.T) {
	be := &backend{user: "desk", pass: "s3cret"}
	_, cfg, opts := startServer(t, be, serverOpts{security: "none"})
	addr := net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port))
	cfg.Host = "smtp.example.com" // not loopback: AUTH in plain text is refused
	cfg.Username, cfg.Password = "desk", "s3cret"
	s := NewSender(cfg, opts)
	var d net.Dialer
	s.dial = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return d.DialContext(ctx, network, addr)
	}
	err := s.Send(context.Background(), "a@example.com", []string{"b@example.net"}, testRaw(1))
	if err == nil || !strings.Contains(err.Error(), "unencrypted") {
		t.Fatalf("err = %v", err)
	}
	if len(be.messages()) != 0 {
		t.Fatal("message sent")
	}
}

func TestSendErrors(t *testing.T) {
	be := &backend{replies: map[string]*smtp.SMTPError{
		"gone@example.net": {Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"},
		"busy@example.net": {Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try later"},
	}}
	cl, cfg, opts := startServer(t, be, serverOpts{security: "none"})
	s := NewSender(cfg, opts)
	t.Cleanup(func() { _ = s.Close() })
	ctx := context.Background()

	err := s.Send(ctx, "a@example.com", []string{"ok@example.net", "gone@example.net"}, testRaw(1))
	var perm *PermanentError
	if !errors.As(err, &perm) || perm.Code != 550 || !strings.Contains(perm.Message, "no such user") {
		t.Fatalf("err = %v, want *PermanentError 550", err)
	}

	err = s.Send(ctx, "a@example.com", []string{"busy@example.net"}, testRaw(2))
	var se *smtp.SMTPError
	if err == nil || errors.As(err, &perm) || !errors.As(err, &se) || se.Code != 451 {
		t.Fatalf("err = %v, want a temporary 451", err)
	}

	// The connection survives refusals: RSET, then the next mail goes through.
	if err := s.Send(ctx, "a@example.com", []string{"ok@example.net"}, testRaw(3)); err != nil {
		t.Fatal(err)
	}
	msgs := be.messages()
	if len(msgs) != 1 || strings.Join(msgs[0].rcpt, ",") != "ok@example.net" {
		t.Fatalf("messages = %+v", msgs)
	}
	if n := cl.n.Load(); n != 1 {
		t.Errorf("%d connections, want 1", n)
	}
}

func TestSendReusesConnection(t *testing.T) {
	be := &backend{user: "desk", pass: "s3cret"}
	cl, cfg, opts := startServer(t, be, serverOpts{security: "starttls"})
	cfg.Username, cfg.Password = "desk", "s3cret" // AUTH survives RSET and EHLO
	s := NewSender(cfg, opts)
	ctx := context.Background()
	for i := range 3 {
		if err := s.Send(ctx, "a@example.com", []string{"b@example.net"}, testRaw(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if n := len(be.messages()); n != 3 {
		t.Fatalf("%d messages", n)
	}
	if n := cl.n.Load(); n != 1 {
		t.Errorf("%d connections for 3 messages, want 1", n)
	}
	// After Close the next Send opens a new connection.
	if err := s.Send(ctx, "a@example.com", []string{"b@example.net"}, testRaw(4)); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if n := cl.n.Load(); n != 2 {
		t.Errorf("%d connections, want 2", n)
	}
}

func TestSendReconnectsAfterServerDrop(t *testing.T) {
	be := &backend{}
	cl, cfg, opts := startServer(t, be, serverOpts{security: "none"})
	s := NewSender(cfg, opts)
	t.Cleanup(func() { _ = s.Close() })
	ctx := context.Background()
	if err := s.Send(ctx, "a@example.com", []string{"b@example.net"}, testRaw(1)); err != nil {
		t.Fatal(err)
	}
	// Break the connection under the sender, as an idle timeout would.
	s.mu.Lock()
	_ = s.conn.Close()
	s.mu.Unlock()
	if err := s.Send(ctx, "a@example.com", []string{"b@example.net"}, testRaw(2)); err != nil {
		t.Fatal(err)
	}
	if n := cl.n.Load(); n != 2 {
		t.Errorf("%d connections, want 2", n)
	}
}

func TestSendCanceled(t *testing.T) {
	be := &backend{}
	_, cfg, opts := startServer(t, be, serverOpts{security: "none"})
	s := NewSender(cfg, opts)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Send(ctx, "a@example.com", []string{"b@example.net"}, testRaw(1)); err == nil {
		t.Fatal("sent with a canceled context")
	}
}

func TestSendBadSecurity(t *testing.T) {
	be := &backend{}
	_, cfg, opts := startServer(t, be, serverOpts{security: "none"})
	cfg.Security = "ssl"
	err := NewSender(cfg, opts).Send(context.Background(), "a@example.com", []string{"b@example.net"}, testRaw(1))
	if err == nil {
		t.Fatal("unknown security accepted")
	}
}

// BenchmarkSend sends small replies over one reused connection to a local
// sink and reports the rate (the target is ≥ 500 replies/s).
func BenchmarkSend(b *testing.B) {
	for _, sec := range []string{"none", "starttls"} {
		b.Run(sec, func(b *testing.B) {
			be := &backend{discard: true}
			_, cfg, opts := startServer(b, be, serverOpts{security: sec})
			s := NewSender(cfg, opts)
			m := sampleMessage()
			m.Headers = nil
			raw, err := Build(m)
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if err := s.Send(ctx, "support@example.com", []string{"jm@example.net"}, raw); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
			if err := s.Close(); err != nil {
				b.Fatal(err)
			}
		})
	}
}

// SendWith calls its before step only once the connection is ready, right
// before MAIL: not when the server cannot be reached, and an error from it
// sends nothing.
func TestSendWithBeforeStep(t *testing.T) {
	be := &backend{}
	_, cfg, opts := startServer(t, be, serverOpts{security: "none"})
	s := NewSender(cfg, opts)
	t.Cleanup(func() { _ = s.Close() })
	ctx := context.Background()
	calls := 0
	before := func() error { calls++; return nil }
	if err := s.SendWith(ctx, "a@example.com", []string{"b@example.net"}, testRaw(1), before); err != nil || calls != 1 {
		t.Fatalf("SendWith = %v with %d calls of before, want nil and 1", err, calls)
	}
	refused := errors.New("not yours")
	if err := s.SendWith(ctx, "a@example.com", []string{"b@example.net"}, testRaw(2), func() error { return refused }); !errors.Is(err, refused) {
		t.Fatalf("SendWith with a failing before = %v, want %v", err, refused)
	}
	if n := len(be.messages()); n != 1 {
		t.Fatalf("%d messages, want 1: a failing before step sends nothing", n)
	}
	// The connection stays usable after a refused before step.
	if err := s.Send(ctx, "a@example.com", []string{"b@example.net"}, testRaw(3)); err != nil {
		t.Fatal(err)
	}

	down := cfg
	down.Port = 1 // refuses connections on loopback (a closed port could be reused by another test)
	calls = 0
	if err := NewSender(down, opts).SendWith(ctx, "a@example.com", []string{"b@example.net"}, testRaw(4), before); err == nil || calls != 0 {
		t.Fatalf("SendWith to a closed port = %v with %d calls of before, want an error and none", err, calls)
	}
}
