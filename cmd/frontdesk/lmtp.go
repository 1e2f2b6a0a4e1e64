package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"frontdesk/intake/email"
	"frontdesk/intake/lmtp"
)

// lmtpShutdownGrace is how long the messages being filed when frontdesk
// stops may take to finish.
const lmtpShutdownGrace = 15 * time.Second

// startLMTP runs push intake when lmtp.listen is set: a mail server delivers
// to frontdesk over LMTP or SMTP, and its mail is filed as the IMAP pollers'
// is. A listener or certificate that cannot be used stops start-up, naming
// the key. When ctx ends the server stops taking connections and lets the
// messages under way finish.
func (a *app) startLMTP(ctx context.Context, wg *sync.WaitGroup) error {
	l := a.cfg.LMTP
	if !l.On() {
		return nil
	}
	var tlsConfig *tls.Config
	if l.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(l.TLSCert, l.TLSKey)
		if err != nil {
			return fmt.Errorf("lmtp.tls_cert, lmtp.tls_key: %w", err)
		}
		tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	ln, err := net.Listen("tcp", l.Listen)
	if err != nil {
		return fmt.Errorf("lmtp.listen: %w", err)
	}
	logger := a.logger.With(slog.String("component", "lmtp"))
	importer := email.NewImporter(a.desk, &email.Options{
		Logger: a.logger.With(slog.String("component", "email")), Registerer: a.registry,
	})
	srv := lmtp.New(a.cfg, importer, &lmtp.Options{
		Logger: logger, Registerer: a.registry, Durable: a.store.Durable, TLSConfig: tlsConfig, Now: a.clock.Now,
	})
	wg.Go(func() {
		if err := srv.Serve(ln); err != nil {
			logger.Error("push intake stopped", slog.Any("error", err))
		}
	})
	wg.Go(func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), lmtpShutdownGrace)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil {
			logger.Warn("push intake stopped before every message was filed; their mail servers deliver them again",
				slog.Any("error", err))
		}
	})
	return nil
}
