package imappoll

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"frontdesk/fault"

	"github.com/emersion/go-imap/v2"
)

// The handler sees each mail before it is marked \Seen; a failing handler
// leaves its mail unseen, and the mail is tried again.
func TestImportOrder(t *testing.T) {
	srv := startMemServer(t, capsMove)
	_, rdb := newRedis(t)
	u1 := srv.deliver(t, "INBOX", testMail(1, 500))
	u2 := srv.deliver(t, "INBOX", testMail(2, 500))

	rec := newRecorder()
	var mu sync.Mutex
	seenAtHandler := map[uint32]bool{}
	rec.seen = func(m Mail) {
		flags := flagsOf(t, srv.addr, "desk", "INBOX")
		mu.Lock()
		seenAtHandler[m.UID] = seenAtHandler[m.UID] || hasFlag(flags[m.UID], imap.FlagSeen)
		mu.Unlock()
	}
	failed := false
	rec.fail = func(m Mail) error {
		if m.UID == u2 && !failed {
			failed = true
			return errors.New("parse: boom")
		}
		return nil
	}
	p := New(srv.mailbox("INBOX"), rec.handle, testOptions(t, rdb))
	runPoller(t, p)

	eventually(t, 5*time.Second, "both mails stored", func() bool { return rec.stored() == 2 })
	eventually(t, 5*time.Second, "both mails seen", func() bool {
		f := flagsOf(t, srv.addr, "desk", "INBOX")
		return hasFlag(f[u1], imap.FlagSeen) && hasFlag(f[u2], imap.FlagSeen)
	})
	mu.Lock()
	defer mu.Unlock()
	for _, uid := range []uint32{u1, u2} {
		if seenAtHandler[uid] {
			t.Errorf("UID %d was \\Seen already while its handler ran", uid)
		}
	}
	if got := rec.callsOf(u2); got != 2 {
		t.Errorf("UID %d: %d handler calls, want 2 (one failure, one retry)", u2, got)
	}
	if m, _ := rec.mail(u2); m.Attempt != 2 {
		t.Errorf("UID %d: stored on attempt %d, want 2", u2, m.Attempt)
	}
	if m, _ := rec.mail(u1); m.Attempt != 1 || len(m.Raw) == 0 || m.Oversized || m.Received.IsZero() || m.UIDValidity == 0 {
		t.Errorf("UID %d: %+v", u1, m)
	}
}

// A crash after the handler stored a mail and before it was marked: the
// handler is called again for the same UID, and the mail ends marked.
func TestCrashBetweenStoreAndFlag(t *testing.T) {
	srv := startMemServer(t, capsMove)
	_, rdb := newRedis(t)
	uid := srv.deliver(t, "INBOX", testMail(1, 500))

	rec := newRecorder()
	p := New(srv.mailbox("INBOX"), rec.handle, testOptions(t, rdb))
	crashed := false
	p.testHookBeforeMark = func() error {
		if !crashed {
			crashed = true
			return errors.New("simulated crash")
		}
		return nil
	}
	stop := runPoller(t, p)
	eventually(t, 5*time.Second, "handler called twice", func() bool { return rec.callsOf(uid) >= 2 })
	eventually(t, 5*time.Second, "mail seen", func() bool {
		return hasFlag(flagsOf(t, srv.addr, "desk", "INBOX")[uid], imap.FlagSeen)
	})
	stop()

	// A new process (no memory) does not hand it over a third time.
	p2 := New(srv.mailbox("INBOX"), rec.handle, testOptions(t, rdb))
	runPoller(t, p2)
	u2 := srv.deliver(t, "INBOX", testMail(2, 500))
	eventually(t, 5*time.Second, "next mail stored", func() bool { return rec.callsOf(u2) == 1 })
	if got := rec.callsOf(uid); got != 2 {
		t.Errorf("UID %d: %d handler calls, want 2", uid, got)
	}
}

// after_import move:FOLDER, on servers with MOVE, without MOVE but with
// UIDPLUS, and with neither.
func TestMove(t *testing.T) {
	tests := []struct {
		name     string
		caps     imap.CapSet
		leftover bool // the source keeps a \Deleted copy
	}{
		{"MOVE", capsMove, false},
		{"COPY and UID EXPUNGE", capsNoMove, false},
		{"COPY, no UIDPLUS", capsPlain, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startMemServer(t, tt.caps)
			_, rdb := newRedis(t)
			// Another client's mail flagged \Deleted must survive.
			other := srv.deliver(t, "INBOX", testMail(0, 300), imap.FlagDeleted)
			u1 := srv.deliver(t, "INBOX", testMail(1, 300))
			u2 := srv.deliver(t, "INBOX", testMail(2, 300), imap.FlagSeen)

			rec := newRecorder()
			mb := srv.mailbox("INBOX")
			mb.AfterImport = "move:Archive" // created by the poller
			p := New(mb, rec.handle, testOptions(t, rdb))
			stop := runPoller(t, p)
			eventually(t, 5*time.Second, "two mails in Archive", func() bool {
				return len(flagsOf(t, srv.addr, "desk", "Archive")) == 2
			})
			// A later mail, with the poller running.
			u3 := srv.deliver(t, "INBOX", testMail(3, 300))
			eventually(t, 5*time.Second, "three mails in Archive", func() bool {
				return len(flagsOf(t, srv.addr, "desk", "Archive")) == 3
			})
			stop()
			for _, uid := range []uint32{u1, u2, u3} {
				if got := rec.callsOf(uid); got != 1 {
					t.Errorf("UID %d: %d handler calls, want 1", uid, got)
				}
			}
			if rec.callsOf(other) != 0 {
				t.Errorf("the \\Deleted mail of another client was imported")
			}
			for uid, f := range flagsOf(t, srv.addr, "desk", "Archive") {
				if !hasFlag(f, imap.FlagSeen) {
					t.Errorf("Archive UID %d not \\Seen: %v", uid, f)
				}
			}
			inbox := flagsOf(t, srv.addr, "desk", "INBOX")
			if _, ok := inbox[other]; !ok {
				t.Errorf("the \\Deleted mail of another client was expunged")
			}
			for _, uid := range []uint32{u1, u2, u3} {
				f, ok := inbox[uid]
				switch {
				case ok && !tt.leftover:
					t.Errorf("UID %d still in INBOX: %v", uid, f)
				case tt.leftover && (!ok || !hasFlag(f, imap.FlagDeleted) || !hasFlag(f, imap.FlagSeen)):
					t.Errorf("UID %d: want it left \\Deleted \\Seen in INBOX, got %v (present %v)", uid, f, ok)
				}
			}
		})
	}
}

// A changed UIDVALIDITY makes the poller scan the folder again.
func TestUIDValidityChange(t *testing.T) {
	srv := startMemServer(t, capsMove)
	_, rdb := newRedis(t)
	u1 := srv.deliver(t, "INBOX", testMail(1, 300))
	u2 := srv.deliver(t, "INBOX", testMail(2, 300))
	// State left from an earlier UIDVALIDITY, whose last UID is far above
	// today's: without a rescan nothing would be imported.
	k := newKeys("test", "support")
	rdb.HSet(context.Background(), k.state, "uidvalidity", 4242, "last_uid", 999, "last_date", 0)

	rec := newRecorder()
	p := New(srv.mailbox("INBOX"), rec.handle, testOptions(t, rdb))
	runPoller(t, p)
	eventually(t, 5*time.Second, "both mails stored", func() bool { return rec.stored() == 2 })
	m, _ := rec.mail(u1)
	eventually(t, 5*time.Second, "state rewritten", func() bool {
		st, _ := rdb.HGetAll(context.Background(), k.state).Result()
		return st["uidvalidity"] != "4242" && st["last_uid"] == "2"
	})
	if m.UIDValidity == 4242 {
		t.Errorf("mail handed over with the old UIDVALIDITY")
	}
	_ = u2
}

// A mail larger than max_message_size: only its header is fetched.
func TestOversized(t *testing.T) {
	srv := startMemServer(t, capsMove)
	_, rdb := newRedis(t)
	small := srv.deliver(t, "INBOX", testMail(1, 500))
	big := srv.deliver(t, "INBOX", testMail(2, 5000))

	rec := newRecorder()
	mb := srv.mailbox("INBOX")
	mb.MaxMessageSize = 2000
	p := New(mb, rec.handle, testOptions(t, rdb))
	runPoller(t, p)
	eventually(t, 5*time.Second, "both stored", func() bool { return rec.stored() == 2 })
	m, _ := rec.mail(big)
	if !m.Oversized || m.Raw != nil || len(m.Header) == 0 || len(m.Header) > 400 || m.Size < 5000 {
		t.Errorf("big mail: oversized %v, raw %d bytes, header %d bytes, size %d", m.Oversized, len(m.Raw), len(m.Header), m.Size)
	}
	if m, _ := rec.mail(small); m.Oversized || len(m.Raw) < 500 {
		t.Errorf("small mail: oversized %v, raw %d bytes", m.Oversized, len(m.Raw))
	}
	eventually(t, 5*time.Second, "big mail seen", func() bool {
		return hasFlag(flagsOf(t, srv.addr, "desk", "INBOX")[big], imap.FlagSeen)
	})
}

// A mail whose handler keeps failing is handed over with Attempt 3, and an
// unavailable store is retried without counting.
func TestAttempts(t *testing.T) {
	srv := startMemServer(t, capsMove)
	_, rdb := newRedis(t)
	bad := srv.deliver(t, "INBOX", testMail(1, 300))
	flaky := srv.deliver(t, "INBOX", testMail(2, 300))
	after := srv.deliver(t, "INBOX", testMail(3, 300))

	rec := newRecorder()
	var mu sync.Mutex
	attempts := map[uint32][]int{}
	unavailable := 2
	rec.fail = func(m Mail) error {
		mu.Lock()
		defer mu.Unlock()
		attempts[m.UID] = append(attempts[m.UID], m.Attempt)
		switch {
		case m.UID == bad && m.Attempt < MaxAttempts:
			return errors.New("cannot parse")
		case m.UID == flaky && unavailable > 0:
			unavailable--
			return fault.Unavailable(errors.New("redis: connection refused"))
		}
		return nil
	}
	p := New(srv.mailbox("INBOX"), rec.handle, testOptions(t, rdb))
	runPoller(t, p)
	eventually(t, 10*time.Second, "all stored", func() bool { return rec.stored() == 3 })
	mu.Lock()
	defer mu.Unlock()
	if got := attempts[bad]; len(got) != 3 || got[2] != 3 {
		t.Errorf("bad mail attempts %v, want [1 2 3]", got)
	}
	for _, a := range attempts[flaky] {
		if a != 1 {
			t.Errorf("flaky mail attempts %v, want all 1 (unavailable is not counted)", attempts[flaky])
			break
		}
	}
	if m, _ := rec.mail(after); m.Attempt != 1 {
		t.Errorf("mail after the bad one: attempt %d", m.Attempt)
	}
	eventually(t, 5*time.Second, "failure counts removed", func() bool {
		n, _ := rdb.HLen(context.Background(), newKeys("test", "support").failures).Result()
		return n == 0
	})
}

// IDLE is left and entered again every IdleRestart, and new mail still
// arrives through it.
func TestIdleRestart(t *testing.T) {
	srv := startMemServer(t, capsMove)
	_, rdb := newRedis(t)
	rec := newRecorder()
	mb := srv.mailbox("INBOX")
	mb.PollInterval = time.Hour
	opts := testOptions(t, rdb)
	opts.IdleRestart = 50 * time.Millisecond
	p := New(mb, rec.handle, opts)
	runPoller(t, p)
	eventually(t, 5*time.Second, "poller idles", func() bool { return p.Status().State == "idle" })
	time.Sleep(300 * time.Millisecond) // several restarts
	uid := srv.deliver(t, "INBOX", testMail(1, 300))
	eventually(t, 5*time.Second, "mail stored", func() bool { return rec.callsOf(uid) == 1 })
	if st := p.Status(); !st.LeaseHeld || st.LastSync.IsZero() {
		t.Errorf("status %+v", st)
	}
}
