package testredis

import (
	"context"
	"sync"

	"github.com/redis/go-redis/v9"
)

// handshake names the commands go-redis sends on a new connection: they are
// the connection's, not the operation's.
var handshake = map[string]bool{"hello": true, "client": true, "select": true, "auth": true}

// RoundTrips is a go-redis hook that counts round trips to Redis: a command
// is one, a pipeline or transaction is one, a connection's handshake none.
// Add it with client.AddHook.
type RoundTrips struct {
	mu    sync.Mutex
	n     int
	names []string
}

// Count is how many round trips were made since the last Reset.
func (c *RoundTrips) Count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// Names lists the commands sent since the last Reset; those of a pipeline
// start with "pipe:".
func (c *RoundTrips) Names() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.names...)
}

// Reset starts the count again.
func (c *RoundTrips) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n, c.names = 0, nil
}

func (c *RoundTrips) record(names ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	c.names = append(c.names, names...)
}

// DialHook implements redis.Hook.
func (c *RoundTrips) DialHook(next redis.DialHook) redis.DialHook { return next }

// ProcessHook implements redis.Hook.
func (c *RoundTrips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if !handshake[cmd.Name()] {
			c.record(cmd.Name())
		}
		return next(ctx, cmd)
	}
}

// ProcessPipelineHook implements redis.Hook.
func (c *RoundTrips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if len(cmds) > 0 && !handshake[cmds[0].Name()] {
			names := make([]string, len(cmds))
			for i, cmd := range cmds {
				names[i] = "pipe:" + cmd.Name()
			}
			c.record(names...)
		}
		return next(ctx, cmds)
	}
}
