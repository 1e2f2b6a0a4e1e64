package imappoll

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/redis/go-redis/v9"

	"frontdesk/config"
)

// memServer is go-imap's in-memory server on 127.0.0.1, with one user.
type memServer struct {
	addr string
	user *imapmemserver.User
}

// Capability sets for the in-memory server.
var (
	capsMove = imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapMove: {}, imap.CapUIDPlus: {}}
	// capsNoMove: IMAP4rev1 with UIDPLUS but without MOVE.
	capsNoMove = imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapUIDPlus: {}}
	// capsPlain: IMAP4rev1 alone, neither MOVE nor UIDPLUS.
	capsPlain = imap.CapSet{imap.CapIMAP4rev1: {}}
)

func startMemServer(t testing.TB, caps imap.CapSet, folders ...string) *memServer {
	t.Helper()
	mem := imapmemserver.New()
	u := imapmemserver.NewUser("desk", "secret")
	for _, f := range append([]string{"INBOX"}, folders...) {
		if err := u.Create(f, nil); err != nil {
			t.Fatal(err)
		}
	}
	mem.AddUser(u)
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps:         caps,
		InsecureAuth: true,
		Logger:       discardLogger{},
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return &memServer{addr: ln.Addr().String(), user: u}
}

type discardLogger struct{}

func (discardLogger) Printf(string, ...any) {}

type literal struct {
	*bytes.Reader
	size int64
}

func (l literal) Size() int64 { return l.size }

// deliver appends a mail to folder and returns its UID.
func (s *memServer) deliver(t testing.TB, folder string, raw []byte, flags ...imap.Flag) uint32 {
	t.Helper()
	data, err := s.user.Append(folder, literal{bytes.NewReader(raw), int64(len(raw))}, &imap.AppendOptions{Flags: flags})
	if err != nil {
		t.Fatal(err)
	}
	return uint32(data.UID)
}

func (s *memServer) mailbox(folder string) config.Mailbox {
	host, port, _ := net.SplitHostPort(s.addr)
	return testMailbox(host, port, folder)
}

func testMailbox(host, port, folder string) config.Mailbox {
	var p int
	_, _ = fmt.Sscan(port, &p)
	return config.Mailbox{
		Name: "support", Host: host, Port: p, Security: "none",
		Username: "desk", Password: "secret", Folder: folder,
		AfterImport: "seen", Idle: true, PollInterval: time.Second,
		MaxMessageSize: 25 << 20,
	}
}

// flagsOf returns every mail of folder, UID → flags; nil when there is
// no such folder.
func flagsOf(t testing.TB, addr, user, folder string) map[uint32][]imap.Flag {
	t.Helper()
	c, err := imapclient.DialInsecure(addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(user, "secret").Wait(); err != nil {
		t.Fatal(err)
	}
	sel, err := c.Select(folder, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		return nil // no such folder (yet)
	}
	out := make(map[uint32][]imap.Flag)
	if sel.NumMessages == 0 {
		return out
	}
	msgs, err := c.Fetch(imap.SeqSet{{Start: 1, Stop: 0}}, &imap.FetchOptions{UID: true, Flags: true}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		out[uint32(m.UID)] = m.Flags
	}
	return out
}

func hasFlag(flags []imap.Flag, f imap.Flag) bool {
	return slices.ContainsFunc(flags, func(g imap.Flag) bool { return strings.EqualFold(string(g), string(f)) })
}

// testMail makes an RFC 5322 message of about size bytes.
func testMail(n int, size int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: Ann Lee <ann@example.org>\r\nTo: support@example.com\r\n"+
		"Subject: Test %d\r\nMessage-ID: <test-%d@example.org>\r\n"+
		"Date: Fri, 27 Nov 2026 09:15:02 +0000\r\nContent-Type: text/plain\r\n\r\n", n, n)
	line := "The parcel arrived broken, please help.                                    \r\n"
	for b.Len() < size {
		b.WriteString(line)
	}
	return b.Bytes()
}

// newRedis starts a miniredis and returns a client for it.
func newRedis(t testing.TB) (*miniredis.Miniredis, redis.UniversalClient) {
	t.Helper()
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { _ = rdb.Close() })
	return mr, rdb
}

func quietLogger(t testing.TB) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(&testWriter{t: t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

type testWriter struct {
	mu sync.Mutex
	t  testing.TB
}

func (w *testWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// recorder is a Handler that stores mails in a map, keyed by UIDVALIDITY and
// UID, and counts calls per UID.
type recorder struct {
	mu    sync.Mutex
	calls map[uint32]int
	mails map[uint32]Mail
	// fail, when set, decides whether a call fails.
	fail func(m Mail) error
	// seen is called for each mail, before fail is consulted.
	seen func(m Mail)
}

func newRecorder() *recorder {
	return &recorder{calls: make(map[uint32]int), mails: make(map[uint32]Mail)}
}

func (r *recorder) handle(ctx context.Context, m Mail) error {
	if r.seen != nil {
		r.seen(m)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls[m.UID]++
	if r.fail != nil {
		if err := r.fail(m); err != nil {
			return err
		}
	}
	r.mails[m.UID] = m
	return nil
}

func (r *recorder) stored() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.mails)
}

func (r *recorder) callsOf(uid uint32) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls[uid]
}

func (r *recorder) mail(uid uint32) (Mail, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	m, ok := r.mails[uid]
	return m, ok
}

// runPoller runs p until the test ends (or the returned stop is called) and
// fails the test if Run returns an error.
func runPoller(t testing.TB, p *Poller) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := p.Run(ctx); err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Errorf("Run did not return within 10s of cancel")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// eventually polls cond every 10ms until it holds or d has passed.
func eventually(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, d)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func testOptions(t testing.TB, rdb redis.UniversalClient) *Options {
	return &Options{
		Logger:     quietLogger(t),
		Redis:      rdb,
		Prefix:     "test",
		RetryDelay: 100 * time.Millisecond,
		BackoffMin: 50 * time.Millisecond,
		BackoffMax: 500 * time.Millisecond,
		// imapmemserver does not report mail that arrived between a
		// command and IDLE until the next change; ending IDLE often bounds
		// the wait (Dovecot does report it).
		IdleRestart: time.Second,
	}
}
