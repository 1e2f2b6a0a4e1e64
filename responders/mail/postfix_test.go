package mail

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"frontdesk/config"
)

// TestSendToPostfix delivers replies to a real MTA: Postfix's smtp-sink
// (Debian's postfix package; .ci/run installs it), which writes each mail
// transaction to a file. Skipped where smtp-sink is missing, but not in CI.
func TestSendToPostfix(t *testing.T) {
	bin := "/usr/sbin/smtp-sink"
	if _, err := os.Stat(bin); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is missing in CI: .ci/run installs Debian's postfix", bin)
		}
		t.Skipf("%s not installed (apt-get install postfix); skipping the real-MTA test", bin)
	}
	// smtp-sink writes as the user it drops to, who cannot enter t.TempDir()'s
	// private parent: a world-writable folder of its own under the temp dir.
	dir, err := os.MkdirTemp("", "smtp-sink-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	args := []string{"-d", filepath.Join(dir, "%H%M%S."), fmt.Sprintf("127.0.0.1:%d", port), "10"}
	if os.Geteuid() == 0 {
		args = append([]string{"-u", "nobody"}, args...)
	}
	cmd := exec.Command(bin, args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("smtp-sink did not listen: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	s := NewSender(config.SMTP{Host: "127.0.0.1", Port: port, Security: "none", HeloName: "desk.example.com"}, nil)
	defer s.Close()
	for i := range 3 {
		raw, err := Build(Message{From: Address{Name: "Support", Addr: "support@example.com"},
			To: []Address{{Name: "Ann Lee", Addr: "ann@example.org"}}, Subject: fmt.Sprintf("Re: Order 553 [#%d]", 1001+i),
			Text: "We are sending a new lamp.", MessageID: fmt.Sprintf("<fd.%d.n.m@example.com>", 1001+i),
			InReplyTo: "<553@example.org>", References: []string{"<553@example.org>"}})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Send(context.Background(), "support@example.com", []string{"ann@example.org"}, raw); err != nil {
			t.Fatalf("send %d to postfix: %v", i, err)
		}
	}
	var dumps []string
	wait := time.Now().Add(5 * time.Second)
	for time.Now().Before(wait) && len(dumps) < 3 {
		dumps, _ = filepath.Glob(filepath.Join(dir, "*"))
		if len(dumps) < 3 {
			time.Sleep(50 * time.Millisecond)
		}
	}
	if len(dumps) != 3 {
		t.Fatalf("postfix got %d mails, want 3", len(dumps))
	}
	for i := range 3 {
		found := false
		for _, f := range dumps {
			b, _ := os.ReadFile(f)
			found = found || strings.Contains(string(b), fmt.Sprintf("Message-ID: <fd.%d.n.m@example.com>", 1001+i))
		}
		if !found {
			t.Errorf("reply %d not among postfix's mails", 1001+i)
		}
	}
}
