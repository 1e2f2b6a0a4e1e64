package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
)

// handleHealthz answers 200 for as long as the process can serve HTTP at all:
// a liveness probe, independent of Redis.
func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	writeText(w, http.StatusOK, "ok\n")
}

// handleReadyz answers 200 when Ready reports nil within readyTimeout, else
// 503 with the reason. A change of state is logged once, not on every probe.
// A ready answer lists Options.Warnings, if any, one a line: a mailbox that
// cannot sign in does not stop the rest.
func (s *Server) handleReadyz(w http.ResponseWriter, r *http.Request) {
	err := s.checkReady(r.Context())
	s.readiness.observe(s.logger, err)
	if err != nil {
		writeText(w, http.StatusServiceUnavailable, "not ready: "+oneLine(err.Error())+"\n")
		return
	}
	body := "ready\n"
	if s.warnings != nil {
		for _, warn := range s.warnings() {
			body += "warning: " + oneLine(warn) + "\n"
		}
	}
	writeText(w, http.StatusOK, body)
}

func (s *Server) checkReady(ctx context.Context) error {
	if s.ready == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, s.readyTimeout)
	defer cancel()
	err := s.ready(ctx)
	if err == nil && ctx.Err() != nil {
		// A check that ignores its context and answers late is not ready.
		err = ctx.Err()
	}
	if errors.Is(err, context.DeadlineExceeded) {
		err = fmt.Errorf("readiness check took longer than %s: %w", s.readyTimeout, err)
	}
	return err
}

// readiness remembers the last readiness result so that only changes are
// logged. Its zero value is "unknown": the first probe always logs.
type readiness struct {
	mu    sync.Mutex
	known bool
	ready bool
}

func (rd *readiness) observe(logger *slog.Logger, err error) {
	ready := err == nil
	rd.mu.Lock()
	changed := !rd.known || rd.ready != ready
	rd.known, rd.ready = true, ready
	rd.mu.Unlock()
	if !changed {
		return
	}
	if ready {
		logger.Info("service ready")
	} else {
		logger.Warn("service not ready", slog.Any("error", err))
	}
}

// writeText writes a plain-text answer.
func writeText(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body) // the client may have gone; nothing to do about it
}

// oneLine keeps a multi-line error message on one line of a text answer.
func oneLine(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c == '\n' || c == '\r' {
			b[i] = ' '
		}
	}
	return string(b)
}
