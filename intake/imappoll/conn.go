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
)

// conn is one connection to the mailbox's server, logged in, with the folder
// selected.
type conn struct {
	c *imapclient.Client
	// changed receives a value when the server reports new mail (EXISTS)
	// outside a SELECT; buffered, one is enough.
	changed chan struct{}
	caps    imap.CapSet
	sel     *imap.SelectData
}

// dial connects, logs in and selects the folder.
func (p *Poller) dial(ctx context.Context) (*conn, error) {
	cn := &conn{changed: make(chan struct{}, 1)}
	addr := net.JoinHostPort(p.mb.Host, strconv.Itoa(p.port()))
	opts := &imapclient.Options{
		TLSConfig: p.tlsConfig(),
		Dialer: &net.Dialer{
			Timeout: p.opts.DialTimeout,
			// Dead-connection detection while nothing is sent, e.g. in
			// IDLE: the kernel probes after 30s of silence and gives up
			// after three unanswered probes 10s apart.
			KeepAliveConfig: net.KeepAliveConfig{Enable: true, Idle: 30 * time.Second, Interval: 10 * time.Second, Count: 3},
		},
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
	var err error
	switch p.mb.Security {
	case "none":
		cn.c, err = imapclient.DialInsecure(addr, opts)
	case "starttls":
		cn.c, err = imapclient.DialStartTLS(addr, opts)
	default: // "tls", the configuration's default
		cn.c, err = imapclient.DialTLS(addr, opts)
	}
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", addr, err)
	}
	// The library's commands have no context: closing the connection is
	// how a cancelled dial gives up.
	stop := context.AfterFunc(ctx, func() { cn.c.Close() })
	defer stop()
	if err := cn.c.WaitGreeting(); err != nil {
		cn.c.Close()
		return nil, fmt.Errorf("greeting from %s: %w", addr, err)
	}
	if err := p.authenticate(cn.c); err != nil {
		cn.c.Close()
		return nil, err
	}
	cn.caps = cn.c.Caps()
	if f := p.mb.AfterImportFolder(); f != "" {
		if err := ensureFolder(cn.c, f); err != nil {
			cn.c.Close()
			return nil, err
		}
	}
	cn.sel, err = cn.c.Select(p.folder(), nil).Wait()
	if err != nil {
		cn.c.Close()
		return nil, fmt.Errorf("select %s: %w", p.folder(), err)
	}
	if ctx.Err() != nil {
		cn.c.Close()
		return nil, ctx.Err()
	}
	return cn, nil
}

// authenticate logs in. LOGIN (RFC 3501 §6.2.3) is the only mechanism so
// far; XOAUTH2 (and OAUTHBEARER, RFC 7628) goes here, as
// c.Authenticate(saslClient) chosen by a mailbox setting.
func (p *Poller) authenticate(c *imapclient.Client) error {
	if err := c.Login(p.mb.Username, p.mb.Password).Wait(); err != nil {
		return fmt.Errorf("login as %s: %w", p.mb.Username, err)
	}
	return nil
}

// ensureFolder creates the folder mail is moved to when it does not exist.
func ensureFolder(c *imapclient.Client, name string) error {
	l, err := c.List("", name, nil).Collect()
	if err != nil {
		return fmt.Errorf("list %s: %w", name, err)
	}
	if len(l) > 0 {
		return nil
	}
	if err := c.Create(name, nil).Wait(); err != nil {
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

// wait waits in IDLE (RFC 2177) when the server offers it and the mailbox
// wants it, else sleeps, until the server reports new mail, d has passed,
// or ctx is done. IDLE ends after Options.IdleRestart at the latest, so that
// servers and middleboxes that drop silent connections do not, and the sync
// that follows catches mail whose notification a server failed to send.
func (p *Poller) wait(ctx context.Context, cn *conn, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	if !p.idles(cn) {
		select {
		case <-ctx.Done():
		case <-timer.C:
		case <-cn.changed:
		case <-cn.c.Closed():
			return errors.New("connection closed by server")
		}
		return nil
	}
	restart := time.NewTimer(p.opts.IdleRestart)
	defer restart.Stop()
	idle, err := cn.c.Idle()
	if err != nil {
		return fmt.Errorf("idle: %w", err)
	}
	p.m.idle.Set(1)
	p.setIdling(true)
	select {
	case <-ctx.Done():
	case <-timer.C:
	case <-cn.changed:
	case <-restart.C:
	case <-cn.c.Closed():
	}
	p.m.idle.Set(0)
	p.setIdling(false)
	if err := idle.Close(); err != nil {
		return fmt.Errorf("leave idle: %w", err)
	}
	if err := waitTimeout(cn.c, idle.Wait); err != nil {
		return fmt.Errorf("idle: %w", err)
	}
	return nil
}

// responseTimeout bounds the wait for a server's answer where the library
// sets none (the end of IDLE): a server that stays silent that long is taken
// for dead and the connection closed.
const responseTimeout = 30 * time.Second

func waitTimeout(c *imapclient.Client, wait func() error) error {
	done := make(chan error, 1)
	go func() { done <- wait() }()
	t := time.NewTimer(responseTimeout)
	defer t.Stop()
	select {
	case err := <-done:
		return err
	case <-t.C:
		c.Close()
		<-done
		return errors.New("no answer from server within " + responseTimeout.String())
	}
}
