package imappoll

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"frontdesk/config"
)

// dovecot is a Dovecot server started for a test, on 127.0.0.1 without TLS,
// with users from a passwd-file and maildirs in a temporary directory.
type dovecot struct {
	addr string
	dir  string
	uid  int
	gid  int
}

// dovecotBinary finds Dovecot: $FRONTDESK_TEST_DOVECOT, else
// /usr/sbin/dovecot. Without it the test is skipped, or fails under CI.
func dovecotBinary(t testing.TB) string {
	t.Helper()
	bin := os.Getenv("FRONTDESK_TEST_DOVECOT")
	if bin == "" {
		bin = "/usr/sbin/dovecot"
	}
	if _, err := os.Stat(bin); err != nil {
		msg := fmt.Sprintf("Dovecot not found at %s (install dovecot-imapd or set FRONTDESK_TEST_DOVECOT): %v", bin, err)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return bin
}

// startDovecot starts Dovecot in the foreground and stops it when the test
// ends. users are created with the password "secret".
func startDovecot(t testing.TB, users ...string) *dovecot {
	t.Helper()
	bin := dovecotBinary(t)
	dir := t.TempDir()
	d := &dovecot{dir: dir, uid: os.Getuid(), gid: os.Getgid()}

	// Dovecot refuses to access mail as root: as root, mail belongs to
	// nobody, and the directories above it must let nobody through.
	internalUser := ""
	if d.uid == 0 {
		nobody, err := user.Lookup("nobody")
		if err != nil {
			t.Fatalf("look up nobody: %v", err)
		}
		d.uid, _ = strconv.Atoi(nobody.Uid)
		d.gid, _ = strconv.Atoi(nobody.Gid)
		for p := dir; p != "/" && p != os.TempDir(); p = filepath.Dir(p) {
			if err := os.Chmod(p, 0o755); err != nil {
				t.Fatal(err)
			}
		}
	} else {
		me, err := user.Current()
		if err != nil {
			t.Fatal(err)
		}
		internalUser = me.Username
	}
	mailDir := filepath.Join(dir, "mail")
	if err := os.MkdirAll(mailDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(mailDir, d.uid, d.gid); err != nil {
		t.Fatal(err)
	}

	var passwd strings.Builder
	for _, u := range users {
		fmt.Fprintf(&passwd, "%s:{PLAIN}secret:%d:%d::%s/%s\n", u, d.uid, d.gid, mailDir, u)
	}
	writeFile(t, filepath.Join(dir, "passwd"), passwd.String())

	port := freePort(t)
	d.addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	conf := fmt.Sprintf(`
base_dir = %[1]s/run
state_dir = %[1]s/state
log_path = %[1]s/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:%[2]s/%%u
mail_fsync = never
first_valid_uid = %[3]d
last_valid_uid = %[3]d
first_valid_gid = %[4]d
last_valid_gid = %[4]d
passdb {
  driver = passwd-file
  args = %[1]s/passwd
}
userdb {
  driver = static
  args = uid=%[3]d gid=%[4]d home=%[2]s/%%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = %[5]d
  }
  inet_listener imaps {
    port = 0
  }
}
service pop3-login {
  inet_listener pop3 {
    port = 0
  }
  inet_listener pop3s {
    port = 0
  }
}
service submission-login {
  inet_listener submission {
    port = 0
  }
}
service lmtp {
  unix_listener lmtp {
    mode = 0666
  }
}
`, dir, mailDir, d.uid, d.gid, port)
	if internalUser != "" {
		conf += fmt.Sprintf("default_internal_user = %[1]s\ndefault_login_user = %[1]s\n", internalUser)
	}
	confPath := filepath.Join(dir, "dovecot.conf")
	writeFile(t, confPath, conf)

	var out bytes.Buffer
	cmd := exec.Command(bin, "-F", "-c", confPath)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start dovecot: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	deadline := time.Now().Add(15 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", d.addr, time.Second)
		if err == nil {
			_ = c.Close()
			return d
		}
		select {
		case err := <-exited:
			log, _ := os.ReadFile(filepath.Join(dir, "dovecot.log"))
			t.Fatalf("dovecot exited: %v\n%s\n%s", err, out.String(), log)
		default:
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "dovecot.log"))
			t.Fatalf("dovecot did not listen on %s within 15s\n%s\n%s", d.addr, out.String(), log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// deliverMaildir writes n mails of about size bytes straight into the
// user's INBOX maildir (new/), as a delivery agent would.
func (d *dovecot) deliverMaildir(t testing.TB, userName string, from, n, size int) {
	t.Helper()
	box := filepath.Join(d.dir, "mail", userName)
	for _, sub := range []string{"", "new", "cur", "tmp"} {
		p := filepath.Join(box, sub)
		if err := os.MkdirAll(p, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(p, d.uid, d.gid); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now().Unix()
	for i := from; i < from+n; i++ {
		p := filepath.Join(box, "new", fmt.Sprintf("%d.M%dP%d.test", now, i, os.Getpid()))
		if err := os.WriteFile(p, testMail(i, size), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(p, d.uid, d.gid); err != nil {
			t.Fatal(err)
		}
	}
}

// client logs in as userName.
func (d *dovecot) client(t testing.TB, userName string) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialInsecure(d.addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	if err := c.Login(userName, "secret").Wait(); err != nil {
		t.Fatal(err)
	}
	return c
}

// appendMail delivers one mail by APPEND.
func appendMail(t testing.TB, c *imapclient.Client, folder string, raw []byte) {
	t.Helper()
	cmd := c.Append(folder, int64(len(raw)), nil)
	if _, err := cmd.Write(raw); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
}

func (d *dovecot) mailbox(userName string) config.Mailbox {
	host, port, _ := net.SplitHostPort(d.addr)
	m := testMailbox(host, port, "INBOX")
	m.Username = userName
	return m
}

func TestDovecotImport(t *testing.T) {
	d := startDovecot(t, "desk")
	d.deliverMaildir(t, "desk", 0, 500, 2000)
	_, rdb := newRedis(t)
	rec := newRecorder()
	p := New(d.mailbox("desk"), rec.handle, testOptions(t, rdb))
	start := time.Now()
	runPoller(t, p)
	eventually(t, 60*time.Second, "500 mails stored", func() bool { return rec.stored() == 500 })
	t.Logf("500 mails in %v", time.Since(start))
	eventually(t, 10*time.Second, "all seen", func() bool {
		f := flagsOf(t, d.addr, "desk", "INBOX")
		for _, fl := range f {
			if !hasFlag(fl, imap.FlagSeen) {
				return false
			}
		}
		return len(f) == 500
	})
	rec.mu.Lock()
	defer rec.mu.Unlock()
	for uid, n := range rec.calls {
		if n != 1 {
			t.Errorf("UID %d handled %d times", uid, n)
		}
	}
}

func TestDovecotIdleLatency(t *testing.T) {
	d := startDovecot(t, "desk")
	c := d.client(t, "desk")
	appendMail(t, c, "INBOX", testMail(0, 1000))
	_, rdb := newRedis(t)
	rec := newRecorder()
	got := make(chan time.Time, 10)
	rec.seen = func(Mail) { got <- time.Now() }
	mb := d.mailbox("desk")
	mb.PollInterval = time.Hour // only IDLE can bring the mail in time
	p := New(mb, rec.handle, testOptions(t, rdb))
	runPoller(t, p)
	<-got
	eventually(t, 5*time.Second, "poller idles", func() bool { return p.Status().State == "idle" })

	var lat []time.Duration
	for i := range 5 {
		sent := time.Now()
		appendMail(t, c, "INBOX", testMail(i+1, 1000))
		select {
		case at := <-got:
			lat = append(lat, at.Sub(sent))
		case <-time.After(5 * time.Second):
			t.Fatalf("mail %d not handled within 5s of APPEND", i+1)
		}
		eventually(t, 5*time.Second, "poller idles again", func() bool { return p.Status().State == "idle" })
	}
	t.Logf("IDLE latency, APPEND to handler: %v", lat)
}

func TestDovecotMove(t *testing.T) {
	d := startDovecot(t, "desk")
	d.deliverMaildir(t, "desk", 0, 30, 1000)
	_, rdb := newRedis(t)
	rec := newRecorder()
	mb := d.mailbox("desk")
	mb.AfterImport = "move:Archive"
	p := New(mb, rec.handle, testOptions(t, rdb))
	runPoller(t, p)
	eventually(t, 20*time.Second, "30 mails in Archive", func() bool {
		return len(flagsOf(t, d.addr, "desk", "Archive")) == 30
	})
	if n := len(flagsOf(t, d.addr, "desk", "INBOX")); n != 0 {
		t.Errorf("%d mails left in INBOX", n)
	}
	if rec.stored() != 30 {
		t.Errorf("%d stored, want 30", rec.stored())
	}
}

// BenchmarkImportDovecot imports 2,000 8 KB mails from Dovecot with a
// handler that stores them in a map, and reports mails/s.
func BenchmarkImportDovecot(b *testing.B) {
	const n, size = 2000, 8 << 10
	users := make([]string, b.N)
	for i := range users {
		users[i] = fmt.Sprintf("bench%d", i)
	}
	d := startDovecot(b, users...)
	var total time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		d.deliverMaildir(b, users[i], 0, n, size)
		// Let Dovecot index the maildir before the clock runs.
		c := d.client(b, users[i])
		if _, err := c.Select("INBOX", nil).Wait(); err != nil {
			b.Fatal(err)
		}
		_ = c.Logout().Wait()
		_, rdb := newRedis(b)
		rec := newRecorder()
		p := New(d.mailbox(users[i]), rec.handle, testOptions(b, rdb))
		b.StartTimer()
		start := time.Now()
		stop := runPoller(b, p)
		for rec.stored() < n {
			time.Sleep(time.Millisecond)
		}
		total += time.Since(start)
		b.StopTimer()
		stop()
	}
	b.ReportMetric(float64(n*b.N)/total.Seconds(), "mails/s")
}
