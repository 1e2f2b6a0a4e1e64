package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"

	"frontdesk/config"
	"frontdesk/fault"
)

// newRedisClient connects to the Redis of the configuration: a URL for a single
// node; addrs for Redis Cluster, or Sentinel when master_name is set.
func newRedisClient(c config.Redis) (redis.UniversalClient, error) {
	if c.URL != "" {
		opts, err := redis.ParseURL(c.URL)
		if err != nil {
			return nil, fmt.Errorf("redis.url: %w", err)
		}
		return redis.NewClient(opts), nil
	}
	opts := &redis.UniversalOptions{
		Addrs:         c.Addrs,
		MasterName:    c.MasterName,
		Username:      c.Username,
		Password:      c.Password,
		DB:            c.DB,
		IsClusterMode: c.MasterName == "",
	}
	if c.TLS {
		opts.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	return redis.NewUniversalClient(opts), nil
}

// watchRedis checks Redis until ctx ends — a write where frontdesk writes,
// not a PING: a Redis that answers but refuses writes is not up — with a
// capped exponential backoff while it fails, and logs each change between up,
// down and full once. report hears every check's outcome (nil when up).
func watchRedis(ctx context.Context, logger *slog.Logger, check func(context.Context) error, report func(error)) {
	const healthyEvery, minWait, maxWait = 5 * time.Second, 250 * time.Millisecond, 30 * time.Second
	wait, state := minWait, "unknown"
	for {
		pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		err := check(pctx)
		cancel()
		if ctx.Err() != nil {
			return
		}
		now := "up"
		switch {
		case err == nil:
		case fault.IsFull(err):
			now = "full"
		default:
			now = "down"
		}
		if now != state {
			switch now {
			case "up":
				logger.Info("redis is up")
			case "full":
				logger.Error("redis is full: it refuses writes at its maxmemory, and nothing new can be stored; free memory or raise maxmemory", slog.Any("error", err))
			default:
				logger.Warn("redis does not answer; retrying with backoff", slog.Any("error", err))
			}
		}
		state = now
		report(err)
		next := healthyEvery
		if state != "up" {
			next, wait = wait, min(wait*2, maxWait)
		} else {
			wait = minWait
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(next):
		}
	}
}

// readConfig loads the configuration named by a -config flag's value (or
// found as config.Resolve finds it), printing what is wrong with it.
func readConfig(flagPath string, stderr io.Writer) (*config.Config, bool) {
	path := config.Resolve(flagPath)
	cfg, err := config.Load(path)
	if err != nil {
		printConfigError(stderr, path, err)
		return nil, false
	}
	return cfg, true
}

// withRedis connects the configuration's Redis and runs f with it, within
// timeout: what the commands that change the desk from a shell share.
// go-redis's own messages (pool dial failures…) go to debug level, so a
// Redis that is down makes one line on stderr, not one per attempt.
func withRedis(ctx context.Context, cfg *config.Config, stderr io.Writer, timeout time.Duration, f func(context.Context, redis.UniversalClient) int) int {
	redis.SetLogger(redisLogger{newLogger(cfg.Log, stderr)})
	rdb, err := newRedisClient(cfg.Redis)
	if err != nil {
		fmt.Fprintf(stderr, "frontdesk: %v\n", err)
		return exitFailure
	}
	defer func() { _ = rdb.Close() }()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return f(ctx, rdb)
}
