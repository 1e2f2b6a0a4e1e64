package web

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"

	"golang.org/x/net/netutil"
)

// Serve answers HTTP requests on ln until ctx is done, then shuts down
// gracefully: it stops accepting connections and waits up to 10 s for requests
// in flight, closing whatever is still open after that. It returns nil after a
// shutdown, or the error that stopped serving. Serve closes ln.
//
// At most Limits.MaxConnections connections are open at once; the next one
// waits in the kernel's accept queue until one closes. Headers must arrive
// within Limits.ReadHeaderTimeout and request bodies within their route
// class's time (limits.go); an idle keep-alive connection is closed after
// Limits.IdleTimeout.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	return s.serve(ctx, ln, s.handler, "HTTP server")
}

// ServeMetrics answers /metrics alone on ln, as Serve does the rest, when
// Options.SeparateMetrics is set; without it, it returns an error at once.
// Serve and ServeMetrics may run at the same time, on two listeners.
func (s *Server) ServeMetrics(ctx context.Context, ln net.Listener) error {
	if s.metricsOnly == nil {
		_ = ln.Close()
		return errors.New("serve metrics: the server was not made with SeparateMetrics")
	}
	return s.serve(ctx, ln, s.metricsOnly, "metrics server")
}

func (s *Server) serve(ctx context.Context, ln net.Listener, h http.Handler, name string) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: s.limits.ReadHeaderTimeout,
		IdleTimeout:       s.limits.IdleTimeout,
		ErrorLog:          slog.NewLogLogger(s.logger.Handler(), slog.LevelWarn),
	}
	logger := s.logger.With(slog.String("server", name))
	logger.Info("HTTP server listening", slog.String("addr", ln.Addr().String()),
		slog.Int("max_connections", s.limits.MaxConnections))

	served := make(chan error, 1)
	go func() { served <- srv.Serve(netutil.LimitListener(ln, s.limits.MaxConnections)) }()

	select {
	case err := <-served:
		// Serve stopped on its own: the listener failed.
		return err
	case <-ctx.Done():
	}

	logger.Info("HTTP server shutting down", slog.Duration("grace", s.shutdownTimeout))
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		logger.Warn("HTTP requests still in flight after the grace period; closing them",
			slog.Any("error", err))
		if err := srv.Close(); err != nil {
			logger.Warn("close HTTP server", slog.Any("error", err))
		}
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	logger.Info("HTTP server stopped")
	return nil
}
