package imappoll

import (
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// userTimeout returns a net.Dialer Control function that sets TCP_USER_TIMEOUT
// (RFC 5482; Linux tcp(7)): data the server has not acknowledged within d
// kills the connection, instead of being retransmitted for the kernel's
// default of some fifteen minutes. With keepalive on, it also bounds how long
// unanswered probes keep a silent connection.
func userTimeout(d time.Duration) func(network, address string, c syscall.RawConn) error {
	return func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_USER_TIMEOUT, int(d.Milliseconds()))
		})
		if err != nil {
			return err
		}
		return serr
	}
}
