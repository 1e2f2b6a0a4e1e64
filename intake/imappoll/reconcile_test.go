package imappoll

import (
	"bytes"
	"context"
	"errors"
	"net/mail"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"frontdesk/fault"
)

// shelf is a store for reconciliation tests: its handler keeps mails by
// Message-ID, and it is their Inventory.
type shelf struct {
	mu      sync.Mutex
	stored  map[string]int // Message-ID → times the handler stored it
	known   [][]uint32     // per Known call, the UIDs asked about (by Message-ID order)
	checked []string       // Message-IDs whose bodies Stored looked at
	down    int            // Known calls still to fail as unavailable
}

func newShelf(ids ...string) *shelf {
	s := &shelf{stored: make(map[string]int)}
	for _, id := range ids {
		s.stored[id] = 1
	}
	return s
}

func messageIDOf(header []byte) string {
	msg, err := mail.ReadMessage(bytes.NewReader(append(bytes.TrimRight(header, "\r\n"), "\r\n\r\n"...)))
	if err != nil {
		return ""
	}
	return msg.Header.Get("Message-Id")
}

func (s *shelf) handle(_ context.Context, m Mail) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stored[messageIDOf(m.Raw)]++
	return nil
}

func (s *shelf) Known(_ context.Context, _ string, headers [][]byte) ([]bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down > 0 {
		s.down--
		return nil, fault.Unavailable(errors.New("redis: connection refused"))
	}
	out := make([]bool, len(headers))
	var asked []uint32
	for i, h := range headers {
		id := messageIDOf(h)
		out[i] = s.stored[id] > 0
		var n uint32
		for _, c := range id {
			if c >= '0' && c <= '9' {
				n = n*10 + uint32(c-'0')
			}
		}
		asked = append(asked, n)
	}
	s.known = append(s.known, asked)
	return out, nil
}

func (s *shelf) Stored(_ context.Context, m Mail) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := messageIDOf(m.Raw)
	s.checked = append(s.checked, id)
	return s.stored[id] > 0, nil
}

func (s *shelf) count(id string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stored[id]
}

func (s *shelf) rounds() [][]uint32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.known)
}

// deliverAt appends a mail with the given INTERNALDATE.
func (srv *memServer) deliverAt(t testing.TB, folder string, raw []byte, at time.Time, flags ...imap.Flag) uint32 {
	t.Helper()
	data, err := srv.user.Append(folder, literal{bytes.NewReader(raw), int64(len(raw))}, &imap.AppendOptions{Flags: flags, Time: at})
	if err != nil {
		t.Fatal(err)
	}
	return uint32(data.UID)
}

// testID is the Message-ID of testMail(n, …).
func testID(n int) string { return "<test-" + strconv.Itoa(n) + "@example.org>" }

// Mail that the server holds, flagged \Seen, and the store lacks (lost in
// a rollback) is imported by reconciliation, once; mail the store has is
// recognised by its Message-ID without its body being fetched; each round
// looks at ReconcileMax mails at most and the next goes on from there; mail
// older than reconcile_days is left alone.
func TestReconcileImportsWhatTheStoreLacks(t *testing.T) {
	srv := startMemServer(t, capsMove)
	_, rdb := newRedis(t)
	for i := 1; i <= 10; i++ {
		srv.deliver(t, "INBOX", testMail(i, 300), imap.FlagSeen)
	}
	old := srv.deliverAt(t, "INBOX", testMail(11, 300), time.Now().AddDate(0, 0, -30), imap.FlagSeen)
	// The store kept mails 1 to 3 only.
	sh := newShelf(testID(1), testID(2), testID(3))
	mb := srv.mailbox("INBOX")
	mb.ReconcileDays = 7
	opts := testOptions(t, rdb)
	opts.Inventory = sh
	opts.ReconcileMax = 4
	opts.ReconcileInterval = 50 * time.Millisecond
	p := New(mb, sh.handle, opts)
	runPoller(t, p)

	eventually(t, 10*time.Second, "mails 4 to 10 imported", func() bool {
		for i := 4; i <= 10; i++ {
			if sh.count(testID(i)) == 0 {
				return false
			}
		}
		return true
	})
	eventually(t, 10*time.Second, "a second pass", func() bool { return len(sh.rounds()) >= 6 })
	for i := 1; i <= 10; i++ {
		if n := sh.count(testID(i)); n != 1 {
			t.Errorf("mail %d stored %d times, want 1", i, n)
		}
	}
	if n := sh.count(testID(11)); n != 0 {
		t.Errorf("the mail of 30 days ago (UID %d) was imported", old)
	}
	rounds := sh.rounds()
	want := [][]uint32{{1, 2, 3, 4}, {5, 6, 7, 8}, {9, 10}, {1, 2, 3, 4}}
	for i, w := range want {
		if !slices.Equal(rounds[i], w) {
			t.Errorf("round %d looked at %v, want %v (all rounds: %v)", i+1, rounds[i], w, rounds)
		}
	}
	sh.mu.Lock()
	for _, id := range sh.checked {
		if id == testID(1) || id == testID(2) || id == testID(3) {
			t.Errorf("the body of %s, known by its Message-ID, was fetched", id)
		}
	}
	sh.mu.Unlock()
	if got := testutil.ToFloat64(p.m.reconciled.WithLabelValues(reconciledImported)); got != 7 {
		t.Errorf("reconciled_total{result=imported} = %v, want 7", got)
	}
	if got := testutil.ToFloat64(p.m.reconciled.WithLabelValues(reconciledStored)); got < 10 {
		t.Errorf("reconciled_total{result=already_stored} = %v, want 10 or more", got)
	}
}

// With after_import move:FOLDER, reconciliation looks at the destination
// folder too (read-only: nothing there is marked or moved), and the poller
// goes back to its own folder afterwards.
func TestReconcileMoveDestination(t *testing.T) {
	srv := startMemServer(t, capsMove, "Archive")
	_, rdb := newRedis(t)
	a1 := srv.deliver(t, "Archive", testMail(1, 300), imap.FlagSeen)
	srv.deliver(t, "Archive", testMail(2, 300), imap.FlagSeen)
	sh := newShelf(testID(2))
	mb := srv.mailbox("INBOX")
	mb.AfterImport = "move:Archive"
	mb.ReconcileDays = 7
	opts := testOptions(t, rdb)
	opts.Inventory = sh
	p := New(mb, sh.handle, opts)
	runPoller(t, p)
	eventually(t, 10*time.Second, "the archived mail imported", func() bool { return sh.count(testID(1)) == 1 })
	// The poller is back in INBOX: new mail there is imported and moved.
	srv.deliver(t, "INBOX", testMail(3, 300))
	eventually(t, 10*time.Second, "new mail imported", func() bool { return sh.count(testID(3)) == 1 })
	eventually(t, 10*time.Second, "new mail moved", func() bool { return len(flagsOf(t, srv.addr, "desk", "Archive")) == 3 })
	if f := flagsOf(t, srv.addr, "desk", "Archive")[a1]; len(f) != 1 || !hasFlag(f, imap.FlagSeen) {
		t.Errorf("archived mail's flags changed: %v", f)
	}
	if n := sh.count(testID(2)); n != 1 {
		t.Errorf("the stored archived mail was stored again (%d)", n)
	}
}

// An unavailable store ends a round without losing its place; the round is
// tried again after RetryDelay, not a whole interval later.
func TestReconcileRetriesWhenStoreIsDown(t *testing.T) {
	srv := startMemServer(t, capsMove)
	_, rdb := newRedis(t)
	srv.deliver(t, "INBOX", testMail(1, 300), imap.FlagSeen)
	sh := newShelf()
	sh.down = 2
	mb := srv.mailbox("INBOX")
	mb.ReconcileDays = 7
	opts := testOptions(t, rdb)
	opts.Inventory = sh
	opts.ReconcileInterval = time.Hour
	p := New(mb, sh.handle, opts)
	runPoller(t, p)
	eventually(t, 10*time.Second, "mail imported", func() bool { return sh.count(testID(1)) == 1 })
}
