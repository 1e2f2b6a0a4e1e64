package lmtp

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// smtpSourcePath is Postfix's smtp-source: $FRONTDESK_TEST_SMTP_SOURCE,
// else on $PATH or in /usr/sbin. Without it the test is skipped, or fails
// when CI=true (CI installs postfix).
func smtpSourcePath(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("FRONTDESK_TEST_SMTP_SOURCE"); p != "" {
		return p
	}
	if p, err := exec.LookPath("smtp-source"); err == nil {
		return p
	}
	if _, err := os.Stat("/usr/sbin/smtp-source"); err == nil {
		return "/usr/sbin/smtp-source"
	}
	msg := "smtp-source not found (apt-get install postfix)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// smtpSource runs smtp-source with args against addr and returns what it
// printed (with -v: the whole dialogue) and whether it succeeded.
func smtpSource(t testing.TB, addr string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(smtpSourcePath(t), append(args, "inet:"+addr)...)
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-done:
		case <-time.After(60 * time.Second):
			_ = cmd.Process.Kill()
		}
	}()
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// Postfix's smtp-source delivers over LMTP and over SMTP, 8 sessions at
// once, several mails per connection: every mail becomes one ticket.
func TestPostfixDelivers(t *testing.T) {
	for _, proto := range []string{"lmtp", "smtp"} {
		t.Run(proto, func(t *testing.T) {
			h := start(t, harnessOpts{yaml: `lmtp: {listen: "127.0.0.1:0", protocol: ` + proto + `, max_connections: 16}`})
			args := []string{"-s", "8", "-m", "200", "-d", "-f", "ann@example.org", "-t", "support@example.com", "-S", "Hello over " + proto}
			if proto == "lmtp" {
				args = append(args, "-L")
			}
			if out, err := smtpSource(t, h.addr, args...); err != nil {
				t.Fatalf("smtp-source: %v\n%s", err, out)
			}
			ts := h.tickets(t)
			if len(ts) != 200 {
				t.Fatalf("%d tickets, want 200", len(ts))
			}
			if tk := ts[0]; tk.Subject != "Hello over "+proto || tk.Customer.Email != "ann@example.org" || tk.Mailbox != "support" {
				t.Errorf("ticket %+v", tk)
			}
		})
	}
}

// The same mail delivered again by smtp-source is stored once; an unknown
// recipient hears 550, a mail over the size 552, and neither is stored.
func TestPostfixRedeliveryAndRefusals(t *testing.T) {
	h := start(t, harnessOpts{})
	file := eml(t, "again@example.org", "Again")
	for range 3 {
		if out, err := smtpSource(t, h.addr, "-L", "-F", file, "-f", "ann@example.org", "-t", "support@example.com"); err != nil {
			t.Fatalf("smtp-source: %v\n%s", err, out)
		}
	}
	out, err := smtpSource(t, h.addr, "-v", "-L", "-F", file, "-f", "ann@example.org", "-t", "nobody@example.com")
	if err == nil || !strings.Contains(out, "550 5.1.1") {
		t.Fatalf("unknown recipient: %v\n%s", err, out)
	}
	out, err = smtpSource(t, h.addr, "-v", "-L", "-l", "100000", "-f", "ann@example.org", "-t", "support@example.com")
	if err == nil || !strings.Contains(out, "552 5.3.4") {
		t.Fatalf("too large: %v\n%s", err, out)
	}
	if n := len(h.tickets(t)); n != 1 {
		t.Fatalf("%d tickets, want 1", n)
	}
}

// Many sessions at once against lmtp.max_connections: those past it hear
// 421; the server goes on serving, and what it accepted is stored once.
func TestPostfixManyConnections(t *testing.T) {
	h := start(t, harnessOpts{})
	out, _ := smtpSource(t, h.addr, "-L", "-s", "40", "-m", "80", "-f", "ann@example.org", "-t", "support@example.com")
	if !strings.Contains(out, "421 4.7.0 Too many connections") {
		t.Fatalf("no session heard 421:\n%s", out)
	}
	time.Sleep(100 * time.Millisecond) // the refused and finished close
	file := eml(t, "after@example.org", "After the storm")
	if out, err := smtpSource(t, h.addr, "-L", "-F", file, "-f", "ann@example.org", "-t", "support@example.com"); err != nil {
		t.Fatalf("after many connections: %v\n%s", err, out)
	}
	ids := map[string]bool{}
	for _, tk := range h.tickets(t) {
		if ids[tk.Messages[0].MessageID] {
			t.Fatalf("%s stored twice", tk.Messages[0].MessageID)
		}
		ids[tk.Messages[0].MessageID] = true
	}
	if !ids["<after@example.org>"] || len(ids) > 81 {
		t.Fatalf("%d mails stored, the last one %v", len(ids), ids["<after@example.org>"])
	}
}

// Redis goes away: killed (its AOF keeps what it had), and frozen while a
// delivery waits on it. The mail server hears 451 each time, and its retry
// once Redis is back stores each mail once, also the one whose write the
// frozen Redis carried out after frontdesk had given up on it.
func TestPostfixRedisAway(t *testing.T) {
	if testing.Short() {
		t.Skip("starts redis-server")
	}
	rs := startRedisServer(t)
	rdb := redis.NewClient(&redis.Options{Addr: rs.addr, MaxRetries: -1, DialTimeout: 300 * time.Millisecond,
		ReadTimeout: 300 * time.Millisecond, WriteTimeout: 300 * time.Millisecond})
	t.Cleanup(func() { _ = rdb.Close() })
	h := start(t, harnessOpts{rdb: rdb, opts: &Options{StoreTimeout: 2 * time.Second}})
	send := func(file string) (string, error) {
		return smtpSource(t, h.addr, "-v", "-L", "-F", file, "-f", "ann@example.org", "-t", "support@example.com")
	}
	// retry delivers as a mail server does: again until it is taken.
	retry := func(file string) {
		t.Helper()
		for i := 0; ; i++ {
			out, err := send(file)
			if err == nil {
				return
			}
			if i == 20 || !strings.Contains(out, "451 4.3.0") {
				t.Fatalf("retry %d: %v\n%s", i, err, out)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	first, second, third := eml(t, "first@example.org", "First"), eml(t, "second@example.org", "Second"), eml(t, "third@example.org", "Third")
	retry(first)

	rs.kill(t)
	if out, err := send(second); err == nil || !strings.Contains(out, "451 4.3.0") {
		t.Fatalf("Redis killed: %v\n%s", err, out)
	}
	rs.restart(t)
	retry(second)

	rs.signal(t, syscall.SIGSTOP)
	out, err := send(third)
	rs.signal(t, syscall.SIGCONT)
	if err == nil || !strings.Contains(out, "451 4.3.0") {
		t.Fatalf("Redis frozen: %v\n%s", err, out)
	}
	retry(third)
	retry(third) // and a redelivery for good measure

	var subjects []string
	for _, tk := range h.tickets(t) {
		subjects = append(subjects, tk.Subject)
	}
	if strings.Join(subjects, ",") != "First,Second,Third" {
		t.Fatalf("tickets %q, want First, Second, Third once each", subjects)
	}
}

// eml writes a mail with the Message-ID to a file for smtp-source -F (which
// ends each line with CRLF itself).
func eml(t testing.TB, id, subject string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "mail.eml")
	body := strings.ReplaceAll(mail(id, subject, "Sent by smtp-source."), "\r\n", "\n")
	if err := os.WriteFile(path, []byte(strings.TrimSuffix(body, "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// redisServer is a redis-server of the test's own, with an AOF fsynced on
// every write, that the test kills, restarts and freezes.
type redisServer struct {
	bin, addr, port, dir string
	cmd                  *exec.Cmd
}

func startRedisServer(t testing.TB) *redisServer {
	t.Helper()
	bin := os.Getenv("FRONTDESK_TEST_REDIS_SERVER")
	if bin == "" {
		bin, _ = exec.LookPath("redis-server")
	}
	if bin == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("redis-server not found")
		}
		t.Skip("redis-server not found")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	_, port, _ := net.SplitHostPort(addr)
	rs := &redisServer{bin: bin, addr: addr, port: port, dir: t.TempDir()}
	rs.restart(t)
	t.Cleanup(func() {
		if rs.cmd != nil {
			_ = rs.cmd.Process.Signal(syscall.SIGCONT)
			_ = rs.cmd.Process.Kill()
			_ = rs.cmd.Wait()
		}
	})
	return rs
}

// restart starts the server (again) on its port and folder.
func (rs *redisServer) restart(t testing.TB) {
	t.Helper()
	rs.cmd = exec.Command(rs.bin, "--port", rs.port, "--bind", "127.0.0.1", "--save", "", "--dir", rs.dir,
		"--appendonly", "yes", "--appendfsync", "always")
	if err := rs.cmd.Start(); err != nil {
		t.Fatalf("start redis-server: %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", rs.addr, 200*time.Millisecond)
		if err == nil {
			_ = c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis-server on %s: %v", rs.addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (rs *redisServer) kill(t testing.TB) {
	t.Helper()
	_ = rs.cmd.Process.Kill()
	_ = rs.cmd.Wait()
	rs.cmd = nil
}

func (rs *redisServer) signal(t testing.TB, sig os.Signal) {
	t.Helper()
	if err := rs.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
}
