// Package testdovecot starts a real Dovecot IMAP server on loopback for tests:
// plain IMAP on 127.0.0.1 (no TLS), users from a passwd-file, maildirs in the
// test's temporary directory. It fills mailboxes fast by writing maildir files
// as a delivery agent would, or slowly by APPEND through an IMAP client.
//
// Tests find Dovecot at $FRONTDESK_TEST_DOVECOT, else /usr/sbin/dovecot; when
// it is not there they are skipped with a message, or fail when CI=true.
package testdovecot

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

	"github.com/emersion/go-imap/v2/imapclient"

	"frontdesk/config"
)

// Password is every user's password.
const Password = "secret"

// Server is a Dovecot server started for a test.
type Server struct {
	// Addr is host:port of plain IMAP, on 127.0.0.1.
	Addr string
	// Dir holds the configuration, the log (dovecot.log) and the mail.
	Dir string
	uid int
	gid int
}

// Binary finds Dovecot: $FRONTDESK_TEST_DOVECOT, else /usr/sbin/dovecot.
// Without it the test is skipped, or fails when CI=true.
func Binary(t testing.TB) string {
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

// Options are what a test may change in the server's configuration.
type Options struct {
	// IntrospectionURL, when set, turns on Dovecot's oauth2 passdb for the
	// SASL mechanisms XOAUTH2 and OAUTHBEARER: every token a client signs
	// in with is checked at this OAuth2 introspection endpoint (RFC 7662,
	// token=… POSTed, see package testoauth), which must say it is active
	// and name the user in "username". LOGIN and PLAIN still check the
	// password.
	IntrospectionURL string
}

// Start starts Dovecot in the foreground and stops it when the test ends.
// users are created with the password Password. Dovecot refuses to access
// mail as root, so as root the mail belongs to nobody.
func Start(t testing.TB, users ...string) *Server {
	t.Helper()
	return StartWith(t, Options{}, users...)
}

// StartWith is Start with options.
func StartWith(t testing.TB, o Options, users ...string) *Server {
	t.Helper()
	bin := Binary(t)
	dir := t.TempDir()
	s := &Server{Dir: dir, uid: os.Getuid(), gid: os.Getgid()}

	internalUser := ""
	if s.uid == 0 {
		nobody, err := user.Lookup("nobody")
		if err != nil {
			t.Fatalf("look up nobody: %v", err)
		}
		s.uid, _ = strconv.Atoi(nobody.Uid)
		s.gid, _ = strconv.Atoi(nobody.Gid)
		// The directories above the mail must let nobody through.
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
	if err := os.Chown(mailDir, s.uid, s.gid); err != nil {
		t.Fatal(err)
	}

	var passwd strings.Builder
	for _, u := range users {
		fmt.Fprintf(&passwd, "%s:{PLAIN}%s:%d:%d::%s/%s\n", u, Password, s.uid, s.gid, mailDir, u)
	}
	writeFile(t, filepath.Join(dir, "passwd"), passwd.String())

	port := freePort(t)
	s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	conf := fmt.Sprintf(confTemplate, dir, mailDir, s.uid, s.gid, port)
	if internalUser != "" {
		conf += fmt.Sprintf("default_internal_user = %[1]s\ndefault_login_user = %[1]s\n", internalUser)
	}
	if o.IntrospectionURL != "" {
		// The oauth2 passdb answers XOAUTH2 and OAUTHBEARER; the
		// passwd-file one the rest (Dovecot asks the passdbs in order,
		// each only for its mechanisms).
		conf += fmt.Sprintf(oauth2Conf, dir)
		writeFile(t, filepath.Join(dir, "dovecot-oauth2.conf.ext"), fmt.Sprintf(oauth2Ext, o.IntrospectionURL))
	} else {
		conf += fmt.Sprintf(passdbConf, dir, "")
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
		c, err := net.DialTimeout("tcp", s.Addr, time.Second)
		if err == nil {
			_ = c.Close()
			return s
		}
		select {
		case err := <-exited:
			t.Fatalf("dovecot exited: %v\n%s\n%s", err, out.String(), s.log())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("dovecot did not listen on %s within 15s\n%s\n%s", s.Addr, out.String(), s.log())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

const confTemplate = `
base_dir = %[1]s/run
state_dir = %[1]s/state
log_path = %[1]s/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
mail_location = maildir:%[2]s/%%u
mail_fsync = never
first_valid_uid = %[3]d
last_valid_uid = %[3]d
first_valid_gid = %[4]d
last_valid_gid = %[4]d
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
`

// passdbConf is the password database: DIR, then extra settings.
const passdbConf = `
auth_mechanisms = plain login
passdb {
  driver = passwd-file
  args = %[1]s/passwd
  %[2]s
}
`

// oauth2Conf adds the oauth2 passdb (DIR) before the password one, each for
// its mechanisms.
const oauth2Conf = `
auth_mechanisms = plain login xoauth2 oauthbearer
passdb {
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = %[1]s/dovecot-oauth2.conf.ext
}
passdb {
  driver = passwd-file
  args = %[1]s/passwd
  mechanisms = plain login
}
`

// oauth2Ext is the oauth2 passdb's settings: introspection by POST at the
// URL; the token must be active and its username the user's.
const oauth2Ext = `introspection_mode = post
introspection_url = %s
username_attribute = username
active_attribute = active
active_value = true
timeout_msecs = 5000
`

// Log is Dovecot's log so far, for failure messages.
func (s *Server) Log() string { return s.log() }

func (s *Server) log() string {
	b, _ := os.ReadFile(filepath.Join(s.Dir, "dovecot.log"))
	return string(b)
}

// Mailbox is the configuration of userName's INBOX on s: named userName,
// security none, marked seen after import, IDLE, polled every second.
func (s *Server) Mailbox(userName string) config.Mailbox {
	_, port, _ := net.SplitHostPort(s.Addr)
	p, _ := strconv.Atoi(port)
	return config.Mailbox{
		Name: userName, Host: "127.0.0.1", Port: p, Security: "none",
		Username: userName, Password: Password, Folder: "INBOX",
		AfterImport: "seen", Idle: true, PollInterval: time.Second,
		MaxMessageSize: 25 << 20,
	}
}

// DeliverMaildir writes mails from to from+n-1 (see Mail) of about size
// bytes each straight into userName's INBOX maildir (new/), as a delivery
// agent would: much faster than APPEND.
func (s *Server) DeliverMaildir(t testing.TB, userName string, from, n, size int) {
	t.Helper()
	s.DeliverMaildirFunc(t, userName, from, n, func(i int) []byte { return Mail(i, size) })
}

// DeliverMaildirFunc is DeliverMaildir with the mails made by mail(i).
func (s *Server) DeliverMaildirFunc(t testing.TB, userName string, from, n int, mail func(i int) []byte) {
	t.Helper()
	box := filepath.Join(s.Dir, "mail", userName)
	for _, sub := range []string{"", "new", "cur", "tmp"} {
		p := filepath.Join(box, sub)
		if err := os.MkdirAll(p, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(p, s.uid, s.gid); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now().Unix()
	for i := from; i < from+n; i++ {
		// As a delivery agent does: written in tmp/, then moved to new/,
		// where Dovecot sees it whole (and may move it on at once).
		name := fmt.Sprintf("%d.M%dP%d.test", now, i, os.Getpid())
		p := filepath.Join(box, "tmp", name)
		if err := os.WriteFile(p, mail(i), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(p, s.uid, s.gid); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(p, filepath.Join(box, "new", name)); err != nil {
			t.Fatal(err)
		}
	}
}

// Client logs in as userName; it is closed when the test ends.
func (s *Server) Client(t testing.TB, userName string) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialInsecure(s.Addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	if err := c.Login(userName, Password).Wait(); err != nil {
		t.Fatal(err)
	}
	return c
}

// Append delivers one mail to folder by APPEND.
func Append(t testing.TB, c *imapclient.Client, folder string, raw []byte) {
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
