package mail

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"frontdesk/config"
	"frontdesk/mailauth"
)

// Timeouts of a delivery. RFC 5321 §4.5.3.2 recommends longer ones; a
// helpdesk's submission server answers fast, and a stuck one should be retried
// later rather than hold the reply queue.
const (
	dialTimeout    = 10 * time.Second
	commandTimeout = 30 * time.Second
	dataTimeout    = 2 * time.Minute
)

// PermanentError is a 5xx reply to MAIL, RCPT or DATA: sending the same
// message again fails again. Other errors are temporary.
type PermanentError struct {
	Code    int
	Message string
}

func (e *PermanentError) Error() string {
	return fmt.Sprintf("smtp: permanent failure: %d %s", e.Code, e.Message)
}

// AmbiguousError is a transaction cut off after the whole mail, its final
// dot included, was written and before the server answered: the server may
// or may not have taken the mail. Sending it again may deliver it twice;
// not sending it may lose it. A person decides (ticket.DeliveryUnknown).
type AmbiguousError struct {
	Err error
}

func (e *AmbiguousError) Error() string {
	return "the connection to the mail server was cut after the whole mail was handed over, before the server confirmed it: " + e.Err.Error()
}

func (e *AmbiguousError) Unwrap() error { return e.Err }

// SenderOptions tunes a Sender. A nil *SenderOptions is equivalent to a zero
// SenderOptions.
type SenderOptions struct {
	// TLSConfig is used for implicit TLS and STARTTLS; its ServerName
	// defaults to the configured host. Nil means the system roots.
	TLSConfig *tls.Config
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// OAuth2 is the server's OAuth2 sign-in, required with smtp auth
	// oauth2 (package mailauth).
	OAuth2 *mailauth.Account
}

// Sender delivers messages over one SMTP connection, opened on first use and
// kept while it is healthy. It is safe for concurrent use; deliveries are
// serialized on the connection.
type Sender struct {
	cfg    config.SMTP
	tls    *tls.Config
	log    *slog.Logger
	helo   string
	oauth2 *mailauth.Account
	// dial opens the TCP connection; tests replace it.
	dial func(ctx context.Context, network, addr string) (net.Conn, error)

	mu   sync.Mutex
	c    *smtp.Client
	conn net.Conn // c's underlying connection, closed to cancel
	used bool     // whether c has carried a transaction since its last RSET
}

// NewSender returns a Sender for cfg. It does not connect.
func NewSender(cfg config.SMTP, opts *SenderOptions) *Sender {
	if opts == nil {
		opts = &SenderOptions{}
	}
	d := &net.Dialer{Timeout: dialTimeout}
	s := &Sender{cfg: cfg, log: opts.Logger, helo: cfg.HeloName, dial: d.DialContext, oauth2: opts.OAuth2}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.cfg.Security == "" {
		s.cfg.Security = "starttls"
	}
	if s.cfg.Port == 0 {
		s.cfg.Port = 587
		if s.cfg.Security == "tls" {
			s.cfg.Port = 465
		}
	}
	if s.helo == "" {
		if h, err := os.Hostname(); err == nil && h != "" {
			s.helo = h
		} else {
			s.helo = "localhost"
		}
	}
	if opts.TLSConfig != nil {
		s.tls = opts.TLSConfig.Clone()
	} else {
		s.tls = &tls.Config{}
	}
	if s.tls.ServerName == "" {
		s.tls.ServerName = cfg.Host
	}
	return s
}

// Send delivers raw from the envelope sender from to the recipients rcpt. It
// reuses the open connection when a RSET on it succeeds, and dials otherwise.
// A 5xx reply to MAIL, RCPT or DATA is returned as *PermanentError; any other
// failure is temporary and the caller may retry. A message is refused as a
// whole when one recipient is refused.
func (s *Sender) Send(ctx context.Context, from string, rcpt []string, raw []byte) error {
	return s.SendWith(ctx, from, rcpt, raw, nil)
}

// SendWith is Send with a last step before the mail is handed over: once
// the connection is ready for MAIL, holding the lock that serializes
// deliveries, it calls before (when not nil); an error from before is
// returned as it is, and nothing is sent. The responders record a message
// "sent" there, as late as they can: not before a dial that fails, nor while
// other deliveries hold the connection.
func (s *Sender) SendWith(ctx context.Context, from string, rcpt []string, raw []byte, before func() error) error {
	return s.SendEnvelope(ctx, Envelope{From: from, Rcpt: rcpt}, raw, before)
}

// Envelope is an SMTP transaction's envelope: the sender, the recipients
// and what delivery status notifications to ask for (RFC 3461).
type Envelope struct {
	From string
	Rcpt []string
	// ID is the envelope identifier (ENVID, RFC 3461 §4.4) a delivery
	// report quotes as Original-Envelope-Id; at most 100 printable ASCII
	// characters, else it is left out.
	ID string
	// Notify asks for reports (NOTIFY, RFC 3461 §4.1) of these outcomes:
	// "success", "failure", "delay"; none asks for nothing and the server
	// does what it always does (a bounce on failure). Reports return the
	// header only (RET=HDRS). Servers that do not offer DSN get neither.
	Notify []string
}

// SendEnvelope is SendWith with an envelope that may ask for delivery
// status notifications.
func (s *Sender) SendEnvelope(ctx context.Context, env Envelope, raw []byte, before func() error) error {
	rcpt := env.Rcpt
	if len(rcpt) == 0 {
		return errors.New("smtp send: no recipients")
	}
	s.mu.Lock()
	defer s.mu.Unlock()

	if err := s.ready(ctx); err != nil {
		return err
	}
	if before != nil {
		if err := before(); err != nil {
			return err
		}
	}
	// Cancelling ctx closes the connection, which ends any command in flight.
	conn := s.conn
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	err := s.transaction(env, raw)
	if !stop() {
		// The connection was closed under the transaction.
		s.drop()
		if err != nil {
			return fmt.Errorf("smtp send: %w: %w", ctx.Err(), err)
		}
	}
	return err
}

// ready makes s.c a connection ready for MAIL: the open one after a
// successful RSET, or a new one.
func (s *Sender) ready(ctx context.Context) error {
	if s.c != nil && s.used {
		// RFC 5321 §4.1.1.5: RSET aborts any leftover transaction; its
		// answer also tells whether the connection still works.
		conn := s.conn
		stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
		err := s.c.Reset()
		stop()
		if err != nil {
			s.log.Debug("smtp connection no longer usable", slog.Any("error", err))
			s.drop()
		} else {
			s.used = false
		}
	}
	if s.c != nil {
		return nil
	}
	return s.connect(ctx)
}

// transaction runs MAIL, RCPT and DATA on s.c.
func (s *Sender) transaction(env Envelope, raw []byte) error {
	s.used = true
	mo, ro := dsnOptions(env)
	if err := s.c.Mail(env.From, mo); err != nil {
		return s.fail("mail from", err)
	}
	for _, r := range env.Rcpt {
		if err := s.c.Rcpt(r, ro); err != nil {
			return s.fail("rcpt to "+r, err)
		}
	}
	w, err := s.c.Data()
	if err != nil {
		return s.fail("data", err)
	}
	if _, err := io.Copy(w, bytes.NewReader(raw)); err != nil {
		_ = w.Close()
		return s.fail("data", err)
	}
	if err := w.Close(); err != nil {
		var se *smtp.SMTPError
		if !errors.As(err, &se) {
			// The final dot was written, or may have been, and no
			// answer came: the server may have accepted the mail (RFC
			// 5321 §4.1.1.4, §6.1). Not a temporary failure to retry
			// blindly, which would send it twice.
			s.drop()
			return &AmbiguousError{Err: fmt.Errorf("smtp data: %w", err)}
		}
		return s.fail("data", err)
	}
	return nil
}

// dsnOptions are the MAIL and RCPT parameters of env's delivery status
// notifications (RFC 3461 §4); go-smtp sends them only to a server that
// offers DSN.
func dsnOptions(env Envelope) (*smtp.MailOptions, *smtp.RcptOptions) {
	if len(env.Notify) == 0 {
		return nil, nil
	}
	mo := &smtp.MailOptions{Return: smtp.DSNReturnHeaders}
	if id := env.ID; len(id) <= 100 && id != "" && printableASCII(id) {
		mo.EnvelopeID = id
	}
	ro := &smtp.RcptOptions{}
	for _, n := range env.Notify {
		switch strings.ToLower(n) {
		case "success":
			ro.Notify = append(ro.Notify, smtp.DSNNotifySuccess)
		case "failure":
			ro.Notify = append(ro.Notify, smtp.DSNNotifyFailure)
		case "delay":
			ro.Notify = append(ro.Notify, smtp.DSNNotifyDelayed)
		}
	}
	if len(ro.Notify) == 0 {
		ro = nil
	}
	return mo, ro
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// fail classifies err from the command what: 5xx replies become
// *PermanentError, other replies temporary errors on a connection that stays
// open, and anything else (I/O) drops the connection.
func (s *Sender) fail(what string, err error) error {
	var se *smtp.SMTPError
	if !errors.As(err, &se) {
		s.drop()
		return fmt.Errorf("smtp %s: %w", what, err)
	}
	if se.Code == 421 {
		// The server is closing the connection (RFC 5321 §3.8).
		s.drop()
	}
	if se.Code >= 500 && se.Code < 600 {
		return &PermanentError{Code: se.Code, Message: se.Message}
	}
	return fmt.Errorf("smtp %s: %w", what, err)
}

// connect dials the server, secures the connection as configured and
// authenticates.
func (s *Sender) connect(ctx context.Context) error {
	addr := net.JoinHostPort(s.cfg.Host, strconv.Itoa(s.cfg.Port))
	conn, err := s.dial(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("smtp dial %s: %w", addr, err)
	}
	c, conn, err := s.handshake(ctx, conn)
	if err != nil {
		_ = conn.Close()
		return fmt.Errorf("smtp connect %s: %w", addr, err)
	}
	s.c, s.conn, s.used = c, conn, false
	s.log.Debug("smtp connected", slog.String("addr", addr), slog.String("security", s.cfg.Security))
	return nil
}

// handshake greets the server on conn, secures the connection and
// authenticates. It returns the connection to close on failure.
func (s *Sender) handshake(ctx context.Context, conn net.Conn) (*smtp.Client, net.Conn, error) {
	// The greeting, EHLO, STARTTLS and AUTH share one deadline: go-smtp
	// reads the greeting before its CommandTimeout can be set.
	hctx, cancel := context.WithTimeout(ctx, 2*commandTimeout)
	defer cancel()
	stop := context.AfterFunc(hctx, func() { _ = conn.Close() })
	defer stop()

	var c *smtp.Client
	switch s.cfg.Security {
	case "tls":
		tc := tls.Client(conn, s.tls)
		if err := tc.HandshakeContext(hctx); err != nil {
			return nil, conn, fmt.Errorf("tls handshake: %w", err)
		}
		conn = tc
		c = newClient(conn)
	case "starttls":
		// NewClientStartTLS refuses a server that does not offer STARTTLS:
		// there is no fallback to plain text. Its first EHLO says
		// "localhost"; the one after STARTTLS uses the configured name.
		var err error
		c, err = smtp.NewClientStartTLS(conn, s.tls)
		if err != nil {
			return nil, conn, fmt.Errorf("starttls: %w", err)
		}
		setTimeouts(c)
	case "none":
		c = newClient(conn)
	default:
		return nil, conn, fmt.Errorf("security %q: want tls, starttls or none", s.cfg.Security)
	}
	if err := c.Hello(s.helo); err != nil {
		_ = c.Close()
		return nil, conn, fmt.Errorf("ehlo: %w", err)
	}
	if s.cfg.Auth == config.AuthNone || (s.cfg.Auth != config.AuthOAuth2 && s.cfg.Username == "") {
		return c, conn, nil
	}
	if _, encrypted := c.TLSConnectionState(); !encrypted && !isLoopback(s.cfg.Host) {
		_ = c.Close()
		return nil, conn, errors.New("refusing AUTH over an unencrypted connection")
	}
	var err error
	if s.cfg.Auth == config.AuthOAuth2 {
		err = s.authOAuth2(hctx, c)
	} else if err = c.Auth(sasl.NewPlainClient("", s.cfg.Username, s.cfg.Password)); err != nil {
		err = fmt.Errorf("auth: %w", err)
	}
	if err != nil {
		_ = c.Close()
		return nil, conn, err
	}
	return c, conn, nil
}

// authOAuth2 signs in with SASL XOAUTH2 or OAUTHBEARER (RFC 7628) and an
// access token of the server's account (package mailauth). A token the
// server refuses (535, 534) is refreshed and tried once more at once.
func (s *Sender) authOAuth2(ctx context.Context, c *smtp.Client) error {
	a := s.oauth2
	if a == nil {
		return errors.New("auth: smtp.auth is oauth2 but the sender has no OAuth2 account")
	}
	offered := func(mech string) bool {
		ok, params := c.Extension("AUTH")
		return ok && slices.ContainsFunc(strings.Fields(params), func(p string) bool { return strings.EqualFold(p, mech) })
	}
	var last mailauth.Token
	for try := 0; ; try++ {
		tok, err := a.Token(ctx)
		if err != nil {
			return fmt.Errorf("auth: %w", err)
		}
		if try > 0 && tok.Gen == last.Gen {
			return errors.New("auth: the server refused the access token and no other is to be had")
		}
		mech := a.Mechanism(offered)
		sc := mailauth.NewSASLClient(mech, s.cfg.Username, tok.Access, s.cfg.Host, s.cfg.Port, mailauth.SMTP)
		err = c.Auth(sc)
		if err == nil {
			a.Accepted(ctx)
			return nil
		}
		var se *smtp.SMTPError
		if !errors.As(err, &se) || (se.Code != 535 && se.Code != 534) {
			return fmt.Errorf("auth (%s): %w", mech, err)
		}
		if sc.Problem != "" {
			err = fmt.Errorf("%w (%s)", err, sc.Problem)
		}
		a.Refused(ctx, tok, err)
		if try == 1 {
			return fmt.Errorf("auth (%s): %w", mech, err)
		}
		last = tok
	}
}

func newClient(conn net.Conn) *smtp.Client {
	c := smtp.NewClient(conn)
	setTimeouts(c)
	return c
}

func setTimeouts(c *smtp.Client) {
	c.CommandTimeout = commandTimeout
	c.SubmissionTimeout = dataTimeout
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// drop closes the connection without QUIT.
func (s *Sender) drop() {
	if s.c == nil {
		return
	}
	_ = s.c.Close()
	s.c, s.conn, s.used = nil, nil, false
}

// Close ends the open connection, if any, with QUIT.
func (s *Sender) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.c == nil {
		return nil
	}
	c := s.c
	s.c, s.conn, s.used = nil, nil, false
	if err := c.Quit(); err != nil {
		_ = c.Close()
		return fmt.Errorf("smtp quit: %w", err)
	}
	return nil
}
