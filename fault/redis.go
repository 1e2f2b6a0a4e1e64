package fault

import (
	"errors"
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"
)

// transientReplies are the error replies with which a Redis server says "not
// now" rather than "never": loading its data, a replica that may not write
// during a failover, a cluster rearranging its slots, a script running too
// long. The same command may work a moment later.
var transientReplies = []string{
	"LOADING", "READONLY", "MASTERDOWN", "CLUSTERDOWN", "TRYAGAIN", "BUSY",
	"MOVED", "ASK", "NOREPLICAS", "NOSCRIPT", "ERR max number of clients",
}

// Redis wraps err, returned by go-redis while doing what, in the kind it
// is:
//
//   - an out-of-memory refusal (OOM) is ErrFull, which is also unavailable;
//   - no answer at all (a connection refused or cut, a timeout, a closed
//     pool, a cancelled context) and the server's "not now" replies
//     (LOADING, READONLY, CLUSTERDOWN…) are unavailable: retry later;
//   - any other error reply (a script that failed on its input, a key of
//     the wrong type) is returned as it is, wrapped with what: retrying the
//     same input fails the same way, so it counts against the input (a mail
//     that fails three times is stored as-is) instead of waiting for ever.
//
// redis.Nil is returned wrapped as ErrNotFound. A nil err is nil.
func Redis(what string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, redis.Nil) {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	var reply redis.Error
	if !errors.As(err, &reply) {
		return Unavailable(fmt.Errorf("%s: %w", what, err))
	}
	msg := reply.Error()
	if strings.HasPrefix(msg, "OOM ") || strings.Contains(msg, "OOM command not allowed") {
		return Unavailable(fmt.Errorf("%s: %w: %w", what, ErrFull, err))
	}
	for _, p := range transientReplies {
		if strings.HasPrefix(msg, p) {
			return Unavailable(fmt.Errorf("%s: %w", what, err))
		}
	}
	return fmt.Errorf("%s: %w", what, err)
}
