package phone

import (
	"sync"
	"time"
)

// limiter lets something happen at most once per interval per key, such as
// a warning about the same path or number, so that a flood of bad requests
// does not flood the log.
type limiter struct {
	interval time.Duration

	mu   sync.Mutex
	keys map[string]*limiterEntry
}

type limiterEntry struct {
	last       time.Time
	suppressed int
}

// maxLimiterKeys bounds the memory a limiter uses; beyond it, keys whose
// interval has passed are forgotten.
const maxLimiterKeys = 1000

func newLimiter(interval time.Duration) *limiter {
	return &limiter{interval: interval, keys: map[string]*limiterEntry{}}
}

// do calls f, with the number of times it was skipped since, unless it was
// called for key less than the interval before now.
func (l *limiter) do(key string, now time.Time, f func(suppressed int)) {
	l.mu.Lock()
	e, ok := l.keys[key]
	if ok && now.Sub(e.last) < l.interval {
		e.suppressed++
		l.mu.Unlock()
		return
	}
	if !ok {
		if len(l.keys) >= maxLimiterKeys {
			for k, e := range l.keys {
				if now.Sub(e.last) >= l.interval {
					delete(l.keys, k)
				}
			}
		}
		e = &limiterEntry{}
		l.keys[key] = e
	}
	suppressed := e.suppressed
	e.last, e.suppressed = now, 0
	l.mu.Unlock()
	f(suppressed)
}
