package imappoll

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// errNoAnswer: the server did not answer a command within its bound, and the
// connection was cut.
var errNoAnswer = errors.New("imap server not answering")

// watchdog bounds the commands of one connection. The library's commands take
// no context and its own read timeouts cover neither the wait between two
// responses nor a literal that stops halfway (it allows five minutes for
// one), so a server that stops sending mid-FETCH would hold the poller for
// as long as the kernel keeps the connection. The watchdog cuts the
// connection, which fails every command waiting on it, when
//
//   - a command is not answered in full within its bound: Options.CommandTimeout,
//     or for a FETCH of mail bodies CommandTimeout plus their size at
//     Options.FetchRate; a command sent while others wait gets its time after
//     theirs, as a server answers commands in turn; or
//   - while a command waits, nothing at all comes from the server for
//     CommandTimeout (as Dovecot's own IMAP client, imapc, times out on input).
//
// Nothing bounds the time when no command waits: in IDLE the server owes no
// answer (Poller.wait re-issues IDLE every Options.IdleRestart to learn
// whether the connection still answers).
type watchdog struct {
	raw     net.Conn      // the TCP connection, closed to cut
	silence time.Duration // the longest wait for a byte while a command waits
	onCut   func(error)   // called once, when the watchdog cuts

	lastRead atomic.Int64 // unix nanoseconds of the last byte from the server

	mu    sync.Mutex
	waits map[*pending]struct{}
	cut   error // why the connection was cut; nil while it was not
	done  chan struct{}
	once  sync.Once
}

// pending is one command waiting for its answer.
type pending struct {
	what     string
	since    time.Time
	deadline time.Time
}

// newWatchdog watches raw until it is closed (by stop or by cutting it).
func newWatchdog(raw net.Conn, silence time.Duration, onCut func(error)) *watchdog {
	w := &watchdog{raw: raw, silence: silence, onCut: onCut, waits: make(map[*pending]struct{}), done: make(chan struct{})}
	w.lastRead.Store(time.Now().UnixNano())
	go w.watch()
	return w
}

// conn is raw as the IMAP client should use it: every byte read is
// noticed.
func (w *watchdog) conn() net.Conn { return readNoticer{Conn: w.raw, w: w} }

// readNoticer records when bytes arrive.
type readNoticer struct {
	net.Conn
	w *watchdog
}

func (r readNoticer) Read(b []byte) (int, error) {
	n, err := r.Conn.Read(b)
	if n > 0 {
		r.w.lastRead.Store(time.Now().UnixNano())
	}
	return n, err
}

// do runs f, which sends one command and waits for its answer, within bound
// (see the type's comment). When the watchdog cut the connection, the error
// says why instead of what the library made of the closed connection.
func (w *watchdog) do(what string, bound time.Duration, f func() error) error {
	p := w.begin(what, bound)
	err := f()
	w.end(p)
	if err != nil {
		if cut := w.cutErr(); cut != nil {
			return cut
		}
	}
	return err
}

func (w *watchdog) begin(what string, bound time.Duration) *pending {
	now := time.Now()
	p := &pending{what: what, since: now, deadline: now.Add(bound)}
	w.mu.Lock()
	defer w.mu.Unlock()
	for q := range w.waits {
		// Answered in turn: this command's time starts when the last of
		// those before it is due at the latest.
		if d := q.deadline.Add(bound); d.After(p.deadline) {
			p.deadline = d
		}
	}
	w.waits[p] = struct{}{}
	return p
}

func (w *watchdog) end(p *pending) {
	w.mu.Lock()
	delete(w.waits, p)
	w.mu.Unlock()
}

func (w *watchdog) cutErr() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.cut
}

// tick is how often the watchdog looks: a tenth of the silence bound, at
// most a second.
func (w *watchdog) tick() time.Duration {
	return min(max(w.silence/10, 5*time.Millisecond), time.Second)
}

func (w *watchdog) watch() {
	t := time.NewTicker(w.tick())
	defer t.Stop()
	for {
		select {
		case <-w.done:
			return
		case now := <-t.C:
			if err := w.overdue(now); err != nil {
				w.cutWith(err)
				return
			}
		}
	}
}

// overdue says which waiting command, if any, has run out of time.
func (w *watchdog) overdue(now time.Time) error {
	last := time.Unix(0, w.lastRead.Load())
	w.mu.Lock()
	defer w.mu.Unlock()
	for p := range w.waits {
		if now.After(p.deadline) {
			return fmt.Errorf("%s: %w: no complete answer within %v", p.what, errNoAnswer, p.deadline.Sub(p.since).Round(time.Millisecond))
		}
		quiet := now.Sub(last)
		if p.since.After(last) {
			quiet = now.Sub(p.since)
		}
		if quiet > w.silence {
			return fmt.Errorf("%s: %w: nothing received for %v", p.what, errNoAnswer, quiet.Round(time.Millisecond))
		}
	}
	return nil
}

// cutWith closes the connection because of err, once.
func (w *watchdog) cutWith(err error) {
	w.mu.Lock()
	first := w.cut == nil
	if first {
		w.cut = err
	}
	w.mu.Unlock()
	if first && w.onCut != nil {
		w.onCut(err)
	}
	w.stop()
}

// stop closes the connection and ends the watching.
func (w *watchdog) stop() {
	w.once.Do(func() {
		close(w.done)
		_ = w.raw.Close() // cutting: the error of a close says nothing more
	})
}

// fetchBound is the time a FETCH of mail bodies of the given size gets:
// Options.CommandTimeout plus the size at Options.FetchRate.
func (p *Poller) fetchBound(bytes int64) time.Duration {
	return p.opts.CommandTimeout + time.Duration(float64(bytes)/float64(p.opts.FetchRate)*float64(time.Second))
}
