package web

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Serve answers HTTP requests on ln until ctx is done, then shuts down
// gracefully: it stops accepting connections and waits up to 10 s for requests
// in flight, closing whatever is still open after that. It returns nil after a
// shutdown, or the error that stopped serving. Serve closes ln.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.logger.Handler(), slog.LevelWarn),
	}
	s.logger.Info("HTTP server listening", slog.String("addr", ln.Addr().String()))

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	select {
	case err := <-served:
		// Serve stopped on its own: the listener failed.
		return err
	case <-ctx.Done():
	}

	s.logger.Info("HTTP server shutting down", slog.Duration("grace", s.shutdownTimeout))
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		s.logger.Warn("HTTP requests still in flight after the grace period; closing them",
			slog.Any("error", err))
		if err := srv.Close(); err != nil {
			s.logger.Warn("close HTTP server", slog.Any("error", err))
		}
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	s.logger.Info("HTTP server stopped")
	return nil
}
