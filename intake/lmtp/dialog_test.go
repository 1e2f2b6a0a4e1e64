package lmtp

import (
	"crypto/tls"
	"net"
	"net/textproto"
	"strings"
	"testing"
	"time"
)

// dialog speaks LMTP or SMTP line by line, to see every answer's code.
type dialog struct {
	t    testing.TB
	conn net.Conn
	c    *textproto.Conn
}

func dial(t testing.TB, addr string) *dialog {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(20 * time.Second))
	d := &dialog{t: t, conn: conn, c: textproto.NewConn(conn)}
	if code, msg := d.read(); code != 220 {
		t.Fatalf("greeting %d %s", code, msg)
	}
	return d
}

// read reads one answer, of one or more lines.
func (d *dialog) read() (int, string) {
	d.t.Helper()
	code, msg, err := d.c.ReadResponse(0)
	if err != nil && code == 0 {
		d.t.Fatalf("read answer: %v", err)
	}
	return code, msg
}

// cmd sends a command line and reads its answer.
func (d *dialog) cmd(line string) (int, string) {
	d.t.Helper()
	if err := d.c.PrintfLine("%s", line); err != nil {
		d.t.Fatalf("send %q: %v", line, err)
	}
	return d.read()
}

// expect sends a command and fails unless the answer has the code.
func (d *dialog) expect(line string, want int) string {
	d.t.Helper()
	code, msg := d.cmd(line)
	if code != want {
		d.t.Fatalf("%s: %d %s, want %d", line, code, msg, want)
	}
	return msg
}

// data sends DATA and the message, and reads n answers (LMTP: one per
// accepted recipient; SMTP: one).
func (d *dialog) data(msg string, n int) []int {
	d.t.Helper()
	d.expect("DATA", 354)
	w := d.c.DotWriter()
	if _, err := w.Write([]byte(strings.ReplaceAll(msg, "\r\n", "\n"))); err != nil {
		d.t.Fatalf("write data: %v", err)
	}
	if err := w.Close(); err != nil {
		d.t.Fatalf("end data: %v", err)
	}
	codes := make([]int, n)
	for i := range codes {
		codes[i], _ = d.read()
	}
	return codes
}

// startTLS upgrades the dialog's connection.
func (d *dialog) startTLS() {
	d.t.Helper()
	d.expect("STARTTLS", 220)
	tc := tls.Client(d.conn, &tls.Config{InsecureSkipVerify: true}) //nolint:gosec // the test's own certificate
	if err := tc.Handshake(); err != nil {
		d.t.Fatalf("TLS handshake: %v", err)
	}
	d.conn, d.c = tc, textproto.NewConn(tc)
}
