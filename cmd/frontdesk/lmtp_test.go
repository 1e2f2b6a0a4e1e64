package main

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/emersion/go-smtp"

	"frontdesk/internal/testlog"
)

// serve with lmtp.listen takes mail over LMTP and files it as a ticket;
// stopping serve stops the listener.
func TestServeTakesMailOverLMTP(t *testing.T) {
	mr := miniredis.RunT(t)
	lmtpAddr := freeAddr(t)
	path := writeConfig(t, fmt.Sprintf("redis: {url: 'redis://%s/0'}\nhttp: {listen: '%s'}\n"+
		"queues: [{name: support, address: support@example.com}]\nlmtp: {listen: '%s'}\n", mr.Addr(), freeAddr(t), lmtpAddr))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	logs := &testlog.Buffer{}
	go func() {
		done <- run(ctx, []string{"serve", "-config", path}, strings.NewReader(""), &testlog.Buffer{}, logs)
	}()
	var c *smtp.Client
	waitFor(t, func() bool {
		conn, err := net.DialTimeout("tcp", lmtpAddr, time.Second)
		if err != nil {
			return false
		}
		c = smtp.NewClientLMTP(conn)
		return true
	})
	if err := c.Hello("mta.example.net"); err != nil {
		t.Fatal(err)
	}
	msg := "From: ann@example.org\r\nTo: support@example.com\r\nMessage-ID: <serve@example.org>\r\nSubject: Pushed\r\n\r\nHello.\r\n"
	if err := c.SendMail("ann@example.org", []string{"support@example.com"}, strings.NewReader(msg)); err != nil {
		t.Fatalf("deliver: %v", err)
	}
	_ = c.Quit()
	ids, err := mr.ZMembers("frontdesk:{desk}:tickets")
	if err != nil || len(ids) != 1 {
		t.Fatalf("tickets %v, %v; want one", ids, err)
	}
	if subject := mr.HGet("frontdesk:{desk}:ticket:"+ids[0], "subject"); subject != "Pushed" {
		t.Errorf("ticket subject %q", subject)
	}
	cancel()
	select {
	case code := <-done:
		if code != exitOK {
			t.Fatalf("serve exited %d: %s", code, logs.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop")
	}
	if conn, err := net.DialTimeout("tcp", lmtpAddr, time.Second); err == nil {
		_ = conn.Close()
		t.Error("lmtp.listen still accepts after serve stopped")
	}
}

// A busy lmtp.listen or an unreadable certificate stops serve, naming the
// key.
func TestServeRefusesUnusableLMTP(t *testing.T) {
	mr := miniredis.RunT(t)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	for _, c := range []struct{ lmtp, want string }{
		{fmt.Sprintf("{listen: '%s'}", busy.Addr()), "lmtp.listen: "},
		{"{listen: '127.0.0.1:0', tls_cert: missing.pem, tls_key: missing.key}", "lmtp.tls_cert, lmtp.tls_key: "},
	} {
		path := writeConfig(t, fmt.Sprintf("redis: {url: 'redis://%s/0'}\nhttp: {listen: '127.0.0.1:0'}\n"+
			"queues: [{name: support, address: support@example.com}]\nlmtp: %s\n", mr.Addr(), c.lmtp))
		code, _, errOut := runCmd(t, context.Background(), "serve", "-config", path)
		if code != exitFailure || !strings.Contains(errOut, c.want) {
			t.Errorf("serve with lmtp %s: %d %q, want %q", c.lmtp, code, errOut, c.want)
		}
	}
}
