package imappoll

import (
	"net"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// The poller's connections carry TCP_USER_TIMEOUT at CommandTimeout and
// keepalive.
func TestDialerSetsUserTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	p := New(testMailbox("127.0.0.1", "143", "INBOX"), nil, &Options{CommandTimeout: 7 * time.Second})
	c, err := p.dialer().Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	raw, err := c.(*net.TCPConn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var ms, keepalive int
	var gerr error
	if err := raw.Control(func(fd uintptr) {
		ms, gerr = unix.GetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_USER_TIMEOUT)
		if gerr == nil {
			keepalive, gerr = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_KEEPALIVE)
		}
	}); err != nil {
		t.Fatal(err)
	}
	if gerr != nil {
		t.Fatal(gerr)
	}
	if ms != 7000 {
		t.Errorf("TCP_USER_TIMEOUT = %d ms, want 7000", ms)
	}
	if keepalive == 0 {
		t.Errorf("SO_KEEPALIVE off")
	}
}
