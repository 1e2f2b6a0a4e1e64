package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"

	"frontdesk/config"
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

// watchRedis pings Redis until ctx ends, with a capped exponential backoff while
// it does not answer, and logs each change between up and down once. The gauge
// tracks the same state for /metrics.
func watchRedis(ctx context.Context, logger *slog.Logger, ping func(context.Context) error, up func(bool)) {
	const healthyEvery, minWait, maxWait = 5 * time.Second, 250 * time.Millisecond, 30 * time.Second
	wait, state := minWait, "unknown"
	for {
		pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		err := ping(pctx)
		cancel()
		if ctx.Err() != nil {
			return
		}
		switch {
		case err == nil:
			if state != "up" {
				logger.Info("redis is up")
			}
			state, wait = "up", minWait
			up(true)
		default:
			if state != "down" {
				logger.Warn("redis does not answer; retrying with backoff", slog.Any("error", err))
			}
			state = "down"
			up(false)
		}
		next := healthyEvery
		if state == "down" {
			next, wait = wait, min(wait*2, maxWait)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(next):
		}
	}
}
