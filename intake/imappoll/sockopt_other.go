//go:build !linux

package imappoll

import (
	"syscall"
	"time"
)

// userTimeout does nothing where TCP_USER_TIMEOUT is not known: there the
// poller's own command bounds and TCP keepalive find a dead connection.
func userTimeout(time.Duration) func(network, address string, c syscall.RawConn) error {
	return nil
}
