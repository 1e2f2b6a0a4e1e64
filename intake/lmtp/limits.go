package lmtp

import (
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// limitListener caps the connections open at once: one more is answered
// 421 (RFC 5321 §3.8: the service is not available now; a mail server
// tries again) and closed at once, so that it holds neither a goroutine nor
// a slot.
type limitListener struct {
	net.Listener
	max     int64
	open    atomic.Int64
	metrics *metrics
	logger  *slog.Logger
	warned  atomic.Int64 // unix seconds of the last warning
}

func newLimitListener(ln net.Listener, max int, m *metrics, logger *slog.Logger) *limitListener {
	return &limitListener{Listener: ln, max: int64(max), metrics: m, logger: logger}
}

// tooMany is the whole answer to a connection over the limit.
const tooMany = "421 4.7.0 Too many connections, try again later\r\n"

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if l.open.Add(1) > l.max {
			l.open.Add(-1)
			l.metrics.refused.Inc()
			if now := time.Now().Unix(); l.warned.Swap(now) != now {
				l.logger.Warn("mail server connection refused: lmtp.max_connections are open",
					slog.Int64("max_connections", l.max), slog.String("remote", c.RemoteAddr().String()))
			}
			go func() {
				_ = c.SetWriteDeadline(time.Now().Add(time.Second))
				_, _ = c.Write([]byte(tooMany))
				_ = c.Close()
			}()
			continue
		}
		l.metrics.connections.Inc()
		return &limitConn{Conn: c, l: l}, nil
	}
}

// limitConn gives its slot back when closed, once.
type limitConn struct {
	net.Conn
	l    *limitListener
	once sync.Once
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() {
		c.l.open.Add(-1)
		c.l.metrics.connections.Dec()
	})
	return err
}

// budget bounds the bytes of messages held in memory by all transactions
// together.
type budget struct {
	limit int64
	used  atomic.Int64
}

// take reserves n bytes; false, reserving nothing, when that would exceed
// the limit.
func (b *budget) take(n int64) bool {
	if b.used.Add(n) > b.limit {
		b.used.Add(-n)
		return false
	}
	return true
}

func (b *budget) give(n int64) { b.used.Add(-n) }
