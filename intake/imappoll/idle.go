package imappoll

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"
)

// wait waits in IDLE (RFC 2177) when the server offers it and the mailbox
// wants it, else sleeps, until the server reports new mail, d has passed,
// or ctx is done.
//
// IDLE ends after Options.IdleRestart (4 minutes) at the latest. RFC 2177
// asks for less than 29 minutes, but middleboxes drop silent connections
// sooner, and a connection that went dead while nobody spoke is found only by
// speaking: DONE must be answered within Options.CommandTimeout, and the sync
// that follows (a UID SEARCH) too, or the connection is cut and made again.
// That sync also catches mail whose notification a server failed to send.
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
	var idle *imapclient.IdleCommand
	err := cn.run("IDLE", func() (err error) {
		idle, err = cn.c.Idle()
		return err
	})
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
	err = cn.run("DONE", func() error {
		if err := idle.Close(); err != nil {
			return err
		}
		return idle.Wait()
	})
	if err != nil {
		return fmt.Errorf("leave idle: %w", err)
	}
	p.answered()
	return nil
}
