package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"

	"github.com/redis/go-redis/v9"

	"frontdesk/config"
)

// runServe runs frontdesk from its configuration until SIGINT or SIGTERM.
// A bad configuration stops it before anything starts; a Redis that does not
// answer does not: /readyz says 503 and the store is retried with backoff.
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "", "configuration file (default $FRONTDESK_CONFIG or ./frontdesk.yaml)")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return exitUsage
	}
	path := config.Resolve(*configPath)
	cfg, err := config.Load(path)
	if err != nil {
		printConfigError(stderr, path, err)
		return exitFailure
	}
	logger := newLogger(cfg.Log, stderr)
	redis.SetLogger(redisLogger{logger})
	rdb, err := newRedisClient(cfg.Redis)
	if err != nil {
		fmt.Fprintf(stderr, "frontdesk: %v\n", err)
		return exitFailure
	}
	defer rdb.Close()
	ln, err := net.Listen("tcp", cfg.HTTP.Listen)
	if err != nil {
		fmt.Fprintf(stderr, "frontdesk: http.listen: %v\n", err)
		return exitFailure
	}
	logger.Info("configuration loaded", "path", path)
	if err := newApp(cfg, logger, rdb).run(ctx, ln); err != nil {
		fmt.Fprintf(stderr, "frontdesk: %v\n", err)
		return exitFailure
	}
	return exitOK
}
