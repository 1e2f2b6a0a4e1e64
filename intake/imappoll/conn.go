package imappoll

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"frontdesk/mailauth"
)

// conn is one connection to the mailbox's server, logged in, with the folder
// selected. Every command on it goes through run or runFor, which bound it
// (see watchdog).
type conn struct {
	c *imapclient.Client
	w *watchdog
	// bound is Options.CommandTimeout.
	bound time.Duration
	// changed receives a value when the server reports new mail (EXISTS)
	// outside a SELECT; buffered, one is enough.
	changed chan struct{}
	caps    imap.CapSet
	sel     *imap.SelectData
}

// run sends a command by f and waits for its answer, within
// Options.CommandTimeout.
func (cn *conn) run(what string, f func() error) error { return cn.w.do(what, cn.bound, f) }

// runFor is run with a bound of its own.
func (cn *conn) runFor(what string, bound time.Duration, f func() error) error {
	return cn.w.do(what, bound, f)
}

// close closes the connection and stops its watchdog.
func (cn *conn) close() {
	if cn.c != nil {
		_ = cn.c.Close() // the connection is done with; its last error says nothing
	}
	cn.w.stop()
}

// dialer connects with TCP keepalive, which finds a dead peer while nothing
// is sent (in IDLE): the kernel probes after 30s of silence and gives up
// after unanswered probes 10s apart; and, on Linux, with TCP_USER_TIMEOUT at
// Options.CommandTimeout, so that data the server does not acknowledge ends
// the connection within that time (also a probe: the user timeout overrides
// the probe count).
func (p *Poller) dialer() *net.Dialer {
	return &net.Dialer{
		Timeout:         p.opts.DialTimeout,
		KeepAliveConfig: net.KeepAliveConfig{Enable: true, Idle: 30 * time.Second, Interval: 10 * time.Second, Count: 3},
		Control:         userTimeout(p.opts.CommandTimeout),
	}
}

// dial connects, logs in and selects the folder.
func (p *Poller) dial(ctx context.Context) (*conn, error) {
	addr := net.JoinHostPort(p.mb.Host, strconv.Itoa(p.port()))
	raw, err := p.dialer().DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", addr, err)
	}
	cn := &conn{bound: p.opts.CommandTimeout, changed: make(chan struct{}, 1)}
	cn.w = newWatchdog(raw, p.opts.CommandTimeout, p.cutOff)
	// The library's commands have no context: closing the connection is
	// how a cancelled dial gives up.
	stop := context.AfterFunc(ctx, cn.w.stop)
	defer stop()
	if err := p.open(ctx, cn, addr); err != nil {
		cn.close()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	if ctx.Err() != nil {
		cn.close()
		return nil, ctx.Err()
	}
	return cn, nil
}

// open speaks TLS as configured, logs in and selects the folder.
func (p *Poller) open(ctx context.Context, cn *conn, addr string) error {
	opts := &imapclient.Options{
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			Mailbox: func(data *imapclient.UnilateralDataMailbox) {
				if data.NumMessages != nil {
					select {
					case cn.changed <- struct{}{}:
					default:
					}
				}
			},
		},
	}
	nc := cn.w.conn()
	switch p.mb.Security {
	case "none":
		cn.c = imapclient.New(nc, opts)
	case "starttls":
		opts.TLSConfig = p.tlsConfig()
		err := cn.run("STARTTLS", func() (err error) {
			cn.c, err = imapclient.NewStartTLS(nc, opts)
			return err
		})
		if err != nil {
			return fmt.Errorf("starttls with %s: %w", addr, err)
		}
	default: // "tls", the configuration's default
		cfg := p.tlsConfig()
		if cfg.NextProtos == nil {
			cfg.NextProtos = []string{"imap"}
		}
		tc := tls.Client(nc, cfg)
		if err := cn.run("TLS handshake", tc.Handshake); err != nil {
			return fmt.Errorf("tls with %s: %w", addr, err)
		}
		cn.c = imapclient.New(tc, opts)
	}
	if err := cn.run("greeting", cn.c.WaitGreeting); err != nil {
		return fmt.Errorf("greeting from %s: %w", addr, err)
	}
	if err := p.authenticate(ctx, cn); err != nil {
		return err
	}
	cn.caps = cn.c.Caps()
	if f := p.mb.AfterImportFolder(); f != "" {
		if err := ensureFolder(cn, f); err != nil {
			return err
		}
	}
	if err := p.selectFolder(cn); err != nil {
		return err
	}
	return nil
}

// selectFolder selects the mailbox's folder (again).
func (p *Poller) selectFolder(cn *conn) error {
	err := cn.run("SELECT", func() (err error) {
		cn.sel, err = cn.c.Select(p.folder(), nil).Wait()
		return err
	})
	if err != nil {
		return fmt.Errorf("select %s: %w", p.folder(), err)
	}
	return nil
}

// authenticate logs in: with the password by LOGIN (RFC 3501 §6.2.3), or,
// with Options.OAuth2, by AUTHENTICATE with an OAuth2 access token.
func (p *Poller) authenticate(ctx context.Context, cn *conn) error {
	if p.opts.OAuth2 != nil {
		return p.authenticateOAuth2(ctx, cn)
	}
	err := cn.run("LOGIN", func() error { return cn.c.Login(p.mb.Username, p.mb.Password).Wait() })
	if err != nil {
		return fmt.Errorf("login as %s: %w", p.mb.Username, err)
	}
	return nil
}

// authenticateOAuth2 signs in with SASL XOAUTH2 or OAUTHBEARER (RFC 7628)
// and an access token of the mailbox's account (package mailauth). A token
// the server refuses (NO) is refreshed and tried once more at once; a
// second refusal ends the connection, and the reconnect signs in again.
func (p *Poller) authenticateOAuth2(ctx context.Context, cn *conn) error {
	a := p.opts.OAuth2
	var last mailauth.Token
	for try := 0; ; try++ {
		tok, err := a.Token(ctx)
		if errors.Is(err, mailauth.ErrNotConnected) || errors.Is(err, mailauth.ErrRevoked) {
			// Only a manager can help: say so once, and wait for them
			// here, holding the mailbox, instead of reconnecting with
			// backoff, so that mail flows within seconds of connecting.
			// The server answered; every instance would wait the same, so
			// the lease is kept (see answered).
			p.transition(stateSignInNeeded, fmt.Errorf("sign in as %s: %w", p.mb.Username, err))
			p.answered()
			if err := a.WaitConnected(ctx); err != nil {
				return fmt.Errorf("sign in as %s: %w", p.mb.Username, err)
			}
			p.transition(stateConnecting, nil)
			tok, err = a.Token(ctx)
		}
		if err != nil {
			return fmt.Errorf("sign in as %s: %w", p.mb.Username, err)
		}
		if try > 0 && tok.Gen == last.Gen {
			return fmt.Errorf("sign in as %s: the server refused the access token and no other is to be had", p.mb.Username)
		}
		var caps imap.CapSet
		// Caps asks the server when the greeting did not say: bounded too.
		if err := cn.run("CAPABILITY", func() error { caps = cn.c.Caps(); return nil }); err != nil {
			return fmt.Errorf("capabilities of %s: %w", p.mb.Host, err)
		}
		mech := a.Mechanism(func(m string) bool { return caps.Has(imap.Cap("AUTH=" + m)) })
		sc := mailauth.NewSASLClient(mech, p.mb.Username, tok.Access, p.mb.Host, p.port(), mailauth.IMAP)
		err = cn.run("AUTHENTICATE", func() error { return cn.c.Authenticate(sc) })
		if err == nil {
			a.Accepted(ctx)
			return nil
		}
		var ie *imap.Error
		if !errors.As(err, &ie) || ie.Type != imap.StatusResponseTypeNo {
			return fmt.Errorf("authenticate as %s (%s): %w", p.mb.Username, mech, err)
		}
		if sc.Problem != "" {
			err = fmt.Errorf("%w (%s)", err, sc.Problem)
		}
		a.Refused(ctx, tok, err)
		if try == 1 {
			return fmt.Errorf("authenticate as %s (%s): %w", p.mb.Username, mech, err)
		}
		last = tok
	}
}

// ensureFolder creates the folder mail is moved to when it does not exist.
func ensureFolder(cn *conn, name string) error {
	var l []*imap.ListData
	err := cn.run("LIST", func() (err error) {
		l, err = cn.c.List("", name, nil).Collect()
		return err
	})
	if err != nil {
		return fmt.Errorf("list %s: %w", name, err)
	}
	if len(l) > 0 {
		return nil
	}
	if err := cn.run("CREATE", func() error { return cn.c.Create(name, nil).Wait() }); err != nil {
		var ie *imap.Error
		if errors.As(err, &ie) && ie.Code == imap.ResponseCodeAlreadyExists {
			return nil
		}
		return fmt.Errorf("create %s: %w", name, err)
	}
	return nil
}

func (p *Poller) port() int {
	if p.mb.Port != 0 {
		return p.mb.Port
	}
	if p.mb.Security == "tls" || p.mb.Security == "" {
		return 993
	}
	return 143
}

func (p *Poller) folder() string {
	if p.mb.Folder == "" {
		return "INBOX"
	}
	return p.mb.Folder
}

func (p *Poller) tlsConfig() *tls.Config {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if p.opts.TLSConfig != nil {
		cfg = p.opts.TLSConfig.Clone()
	}
	if cfg.ServerName == "" {
		cfg.ServerName = p.mb.Host
	}
	return cfg
}
