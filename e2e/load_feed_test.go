package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"frontdesk/internal/testdovecot"
)

// loadMailboxes are the Dovecot users of a load run; each is a configured
// mailbox of the same name feeding a queue of the same name.
var loadMailboxes = []string{"support", "sales", "billing"}

// loadMessageID is the Message-ID of load mail i.
func loadMessageID(i int) string { return fmt.Sprintf("<load.%06d@customers.example.org>", i) }

// loadMailbox is the mailbox load mail i is delivered to.
func loadMailbox(i int) string { return loadMailboxes[i%len(loadMailboxes)] }

// loadMail makes load mail i: a plain-text customer mail of about 2 KB from
// a sender of its own (acknowledgements are braked at three per sender and
// hour, so each mail needs its own to be acknowledged).
func loadMail(i int) []byte {
	box := loadMailbox(i)
	date := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Second)
	var b bytes.Buffer
	fmt.Fprintf(&b, "Return-Path: <customer-%06d@customers.example.org>\r\n", i)
	fmt.Fprintf(&b, "Received: from mx.customers.example.org (mx.customers.example.org [192.0.2.20])\r\n"+
		"\tby mail.example.com with ESMTPS id L%06d\r\n\tfor <%s@example.com>; %s\r\n", i, box, date.Format(time.RFC1123Z))
	fmt.Fprintf(&b, "From: Customer %d <customer-%06d@customers.example.org>\r\n", i, i)
	fmt.Fprintf(&b, "To: %s@example.com\r\n", box)
	fmt.Fprintf(&b, "Subject: Order %d: a question for %s\r\n", 500000+i, box)
	fmt.Fprintf(&b, "Date: %s\r\nMessage-ID: %s\r\n", date.Format(time.RFC1123Z), loadMessageID(i))
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
	for j := 0; b.Len() < 2000; j++ {
		fmt.Fprintf(&b, "Line %d of a customer's question about order %d, which has not arrived yet.\r\n", j, 500000+i)
	}
	return b.Bytes()
}

// maildirDrop delivers mail into one Dovecot user's INBOX as a delivery
// agent does: written under tmp/, then renamed into new/, so that Dovecot
// never sees half a file.
type maildirDrop struct {
	dir      string
	uid, gid int
}

func newMaildirDrop(t *testing.T, srv *testdovecot.Server, user string) *maildirDrop {
	t.Helper()
	srv.DeliverMaildirFunc(t, user, 0, 0, nil) // makes the maildir, owned as Dovecot wants
	dir := filepath.Join(srv.Dir, "mail", user)
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatalf("maildir of %s: %v", user, err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	return &maildirDrop{dir: dir, uid: int(st.Uid), gid: int(st.Gid)}
}

func (d *maildirDrop) deliver(name string, raw []byte) error {
	tmp := filepath.Join(d.dir, "tmp", name)
	if err := os.WriteFile(tmp, raw, 0o600); err != nil {
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	if err := os.Chown(tmp, d.uid, d.gid); err != nil {
		return fmt.Errorf("chown %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, filepath.Join(d.dir, "new", name)); err != nil {
		return fmt.Errorf("deliver %s: %w", name, err)
	}
	return nil
}

// mailFeed delivers the run's mails at an even pace, remembering when each
// was delivered (the start of its mail-to-ticket latency).
type mailFeed struct {
	drops map[string]*maildirDrop
	n     int

	mu        sync.Mutex
	delivered []time.Time
	err       error
}

// run delivers mail 0…n-1, mail i at begin + spread×i/n, and returns when
// all are delivered, one failed, or ctx ends.
func (f *mailFeed) run(ctx context.Context, begin time.Time, spread time.Duration) {
	for i := range f.n {
		if !sleepUntil(ctx, begin.Add(spread*time.Duration(i)/time.Duration(f.n))) {
			f.fail(ctx.Err())
			return
		}
		name := fmt.Sprintf("%d.M%06dP%d.load", begin.Unix(), i, os.Getpid())
		if err := f.drops[loadMailbox(i)].deliver(name, loadMail(i)); err != nil {
			f.fail(err)
			return
		}
		f.mu.Lock()
		f.delivered[i] = time.Now()
		f.mu.Unlock()
	}
}

func (f *mailFeed) fail(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.err = fmt.Errorf("mail feed: %w", err)
}

// sleepUntil waits until at, or until ctx ends (false).
func sleepUntil(ctx context.Context, at time.Time) bool {
	d := time.Until(at)
	if d <= 0 {
		return ctx.Err() == nil
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-tm.C:
		return true
	}
}

// replyFeed sends assistants' replies through the HTTP API, to any
// instance, retrying (with the same Idempotency-Key) until one answers 202.
type replyFeed struct {
	urls   []string
	token  string
	client *http.Client

	mu   sync.Mutex
	sent map[string]string // the reply's Message-ID → its ticket
	err  error
}

// send replies to the tickets in turn, spread over spread, and returns when
// all are stored, one failed for good, or ctx ends.
func (r *replyFeed) send(ctx context.Context, tickets []string, spread time.Duration) {
	begin := time.Now()
	for i, id := range tickets {
		if !sleepUntil(ctx, begin.Add(spread*time.Duration(i)/time.Duration(len(tickets)))) {
			r.fail(ctx.Err())
			return
		}
		msgID, err := r.reply(ctx, i, id)
		if err != nil {
			r.fail(err)
			return
		}
		r.mu.Lock()
		r.sent[msgID] = id
		r.mu.Unlock()
	}
}

// reply stores reply i to ticket id and returns the reply's Message-ID.
func (r *replyFeed) reply(ctx context.Context, i int, id string) (string, error) {
	body := fmt.Sprintf(`{"text": "Reply %d: your order is on its way."}`, i)
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.urls[rand.IntN(len(r.urls))]+"/api/v1/tickets/"+id+"/replies", strings.NewReader(body))
		if err != nil {
			return "", err
		}
		req.Header.Set("Authorization", "Bearer "+r.token)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", fmt.Sprintf("load-reply-%d", i))
		resp, err := r.client.Do(req)
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			switch {
			case resp.StatusCode == http.StatusAccepted:
				var m struct {
					MessageID string `json:"message_id"`
				}
				if err := json.Unmarshal(b, &m); err != nil || m.MessageID == "" {
					return "", fmt.Errorf("reply %d to ticket %s: answer %s: %v", i, id, b, err)
				}
				return m.MessageID, nil
			case resp.StatusCode < 500:
				return "", fmt.Errorf("reply %d to ticket %s: %s %s", i, id, resp.Status, b)
			}
		}
		if !sleepUntil(ctx, time.Now().Add(500*time.Millisecond)) {
			return "", fmt.Errorf("reply %d to ticket %s: %w (last: %v)", i, id, ctx.Err(), err)
		}
	}
}

func (r *replyFeed) fail(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.err = errors.Join(r.err, fmt.Errorf("replies: %w", err))
}
