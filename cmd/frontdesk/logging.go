package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"frontdesk/config"
)

// newLogger builds the process's logger from the log section: text or JSON
// lines at the configured level.
func newLogger(c config.Log, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.Level)) // validated by config; info otherwise
	opts := &slog.HandlerOptions{Level: level}
	if c.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// redisLogger routes go-redis's own messages (pool dial failures…) into slog
// at debug level: frontdesk reports Redis state changes itself, once each.
type redisLogger struct{ logger *slog.Logger }

func (l redisLogger) Printf(ctx context.Context, format string, v ...any) {
	l.logger.DebugContext(ctx, strings.TrimSpace(fmt.Sprintf(format, v...)), slog.String("component", "go-redis"))
}
