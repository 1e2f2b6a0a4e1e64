package e2e

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"frontdesk/internal/testdovecot"
	"frontdesk/internal/testimap"
)

// loadPrefix is redis.prefix in a load run (its Redis is its own).
const loadPrefix = "load"

// writeLoadConfig writes the configuration of one load instance: the run's
// Redis, the three mailboxes on srv (IDLE, \Seen after import; the hung
// one through stall), the sink as
// SMTP server, Twilio with one number, and a queue per mailbox that
// acknowledges every new mail ticket, plus the phone queue.
func writeLoadConfig(t *testing.T, r *loadRedis, srv *testdovecot.Server, stall *testimap.Stall, smtpPort int, twilioAPI, name string) *setup {
	t.Helper()
	dir := t.TempDir()
	addr := freeAddr(t)
	var b strings.Builder
	fmt.Fprintf(&b, "redis:\n%s  prefix: %q\n", r.yaml(), loadPrefix)
	fmt.Fprintf(&b, "http:\n  listen: %q\n  public_url: %q\n", addr, loadPublicURL)
	b.WriteString("log:\n  level: info\n  format: json\n")
	b.WriteString("mailboxes:\n")
	for _, box := range loadMailboxes {
		mb := srv.Mailbox(box)
		if box == hungMailbox {
			mb.Host, mb.Port = stall.HostPort()
		}
		fmt.Fprintf(&b, "  - name: %s\n    host: %q\n    port: %d\n    security: none\n", box, mb.Host, mb.Port)
		fmt.Fprintf(&b, "    username: %q\n    password: %q\n    folder: INBOX\n", mb.Username, mb.Password)
		fmt.Fprintf(&b, "    after_import: seen\n    idle: true\n    poll_interval: 5s\n")
		fmt.Fprintf(&b, "    address: \"%s@example.com\"\n    queue: %s\n", box, box)
	}
	fmt.Fprintf(&b, "smtp:\n  host: 127.0.0.1\n  port: %d\n  security: none\n  from: \"desk@example.com\"\n", smtpPort)
	fmt.Fprintf(&b, "twilio:\n  account_sid: %s\n  auth_token: %s\n  api_url: %q\n", loadAccountSID, loadAuthToken, twilioAPI)
	fmt.Fprintf(&b, "  default_queue: phone\n  numbers:\n    - number: %q\n      queue: phone\n", loadNumber)
	// The instance's own spool, kept across its kills and restarts; the
	// reconciliation with Twilio's API every minute, for texts older than
	// 10 s: what files a text whose webhook Twilio could not deliver.
	fmt.Fprintf(&b, "  spool_dir: %q\n  reconcile_interval: 1m\n  reconcile_settle: 10s\n", filepath.Join(dir, "spool"))
	// Every customer of the load writes from one domain: the brake on
	// acknowledgements per domain would hold most of them back.
	b.WriteString("acknowledgements:\n  per_domain: 100000\n")
	b.WriteString("queues:\n")
	for _, box := range loadMailboxes {
		fmt.Fprintf(&b, "  - name: %s\n    address: \"%s <%s@example.com>\"\n    auto_ack: true\n", box, strings.ToUpper(box[:1])+box[1:], box)
	}
	b.WriteString("  - name: phone\n")
	s := &setup{
		config:   filepath.Join(dir, "frontdesk.yaml"),
		log:      filepath.Join(dir, "frontdesk.log"),
		url:      "http://" + addr,
		instance: name,
	}
	if err := os.WriteFile(s.config, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return s
}

// loadInstance is one replica of a load run: a stable name
// (FRONTDESK_INSTANCE) whose process is killed and started again.
type loadInstance struct {
	s       *setup
	p       *process    // nil while killed and not yet restarted
	peakRSS int64       // the highest VmHWM of its processes
	killed  []time.Time // when it was killed (just before the signal)
	// serving: its process answers /healthz, as the health check of a
	// load balancer in front of the instances sees it; webhooks go only to
	// instances serving.
	serving bool
}

// loadFleet is the run's instances. The test goroutine starts and kills
// them; the lease watcher reads which are up.
type loadFleet struct {
	mu   sync.Mutex
	inst []*loadInstance
}

func (f *loadFleet) urls() []string {
	var urls []string
	for _, in := range f.inst {
		urls = append(urls, in.s.url)
	}
	return urls
}

// start starts instance i's process.
func (f *loadFleet) start(t *testing.T, i int) {
	t.Helper()
	p := start(t, f.inst[i].s)
	f.mu.Lock()
	f.inst[i].p = p
	f.inst[i].serving = false
	f.mu.Unlock()
	go f.healthCheck(i, p)
}

// healthCheck marks instance i serving once its process p answers
// /healthz (every 50 ms, for up to a minute).
func (f *loadFleet) healthCheck(i int, p *process) {
	client := &http.Client{Timeout: time.Second}
	for range 1200 {
		resp, err := client.Get(p.s.url + "/healthz")
		if err == nil {
			_ = resp.Body.Close()
		}
		f.mu.Lock()
		if f.inst[i].p != p {
			f.mu.Unlock()
			return // killed meanwhile
		}
		if err == nil && resp.StatusCode == http.StatusOK {
			f.inst[i].serving = true
			f.mu.Unlock()
			return
		}
		f.mu.Unlock()
		select {
		case <-p.exited:
			return
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// kill reads instance i's peak RSS and kills its process with SIGKILL.
func (f *loadFleet) kill(t *testing.T, i int) {
	t.Helper()
	in := f.inst[i]
	f.mu.Lock()
	p := in.p
	in.p = nil
	in.serving = false
	in.killed = append(in.killed, time.Now())
	f.mu.Unlock()
	if !p.running() {
		t.Fatalf("instance %s exited on its own: %v\n%s", in.s.instance, p.err, tail(in.s.log, 30))
	}
	in.notePeak(p)
	p.kill(t)
}

// stopAll reads every instance's peak RSS and stops it with SIGTERM,
// failing the test unless it exits 0.
func (f *loadFleet) stopAll(t *testing.T) {
	t.Helper()
	for _, in := range f.inst {
		f.mu.Lock()
		p := in.p
		in.p = nil
		f.mu.Unlock()
		if p == nil {
			continue
		}
		if !p.running() {
			t.Errorf("instance %s exited on its own: %v\n%s", in.s.instance, p.err, tail(in.s.log, 30))
			continue
		}
		in.notePeak(p)
		p.stop(t)
	}
}

// pick is where a webhook goes: one of the instances serving now, as a
// load balancer with a health check would send it (any instance when none
// is).
func (f *loadFleet) pick() (url string, i int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var up []int
	for i, in := range f.inst {
		if in.p != nil && in.serving {
			up = append(up, i)
		}
	}
	if len(up) == 0 {
		i = rand.IntN(len(f.inst))
	} else {
		i = up[rand.IntN(len(up))]
	}
	return f.inst[i].s.url, i
}

// killedDuring reports whether instance i was killed between from and to.
func (f *loadFleet) killedDuring(i int, from, to time.Time) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, k := range f.inst[i].killed {
		if !k.Before(from) && !k.After(to) {
			return true
		}
	}
	return false
}

// live returns the processes running now.
func (f *loadFleet) live() []*process {
	f.mu.Lock()
	defer f.mu.Unlock()
	var ps []*process
	for _, in := range f.inst {
		if in.p != nil && in.p.running() {
			ps = append(ps, in.p)
		}
	}
	return ps
}

func (in *loadInstance) notePeak(p *process) {
	if hwm, err := peakRSS(p.pid()); err == nil {
		in.peakRSS = max(in.peakRSS, hwm)
	}
}

// peakRSS is a process's VmHWM, in bytes, from /proc/PID/status.
func peakRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("read peak RSS: %w", err)
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("VmHWM %q: %w", rest, err)
			}
			return kb << 10, nil
		}
	}
	return 0, errors.New("no VmHWM in /proc/PID/status")
}

// leaseWatch checks that each mailbox is polled by one instance at a
// time: every 200 ms it asks every running instance whether it holds each
// mailbox's lease (frontdesk_imap_lease_held), and notes a round in which two
// say yes for the same mailbox. It also follows the lease key's holder in
// Redis, counting handovers.
type leaseWatch struct {
	fleet  *loadFleet
	rdb    redis.UniversalClient
	client *http.Client

	mu        sync.Mutex
	rounds    int
	seen      int // rounds in which some instance held some lease
	overlaps  []string
	holders   map[string]string
	handovers int
}

func (w *leaseWatch) run(ctx context.Context) {
	w.holders = map[string]string{}
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		w.round(ctx)
	}
}

// round takes one sample of every running instance, all at once.
func (w *leaseWatch) round(ctx context.Context) {
	procs := w.fleet.live()
	held := make([]map[string]bool, len(procs))
	var wg sync.WaitGroup
	for i, p := range procs {
		wg.Go(func() { held[i] = w.leasesHeld(ctx, p.s.url) })
	}
	wg.Wait()
	w.mu.Lock()
	defer w.mu.Unlock()
	w.rounds++
	if anyHeld(held) {
		w.seen++
	}
	for _, box := range loadMailboxes {
		var by []string
		for i, h := range held {
			if h[box] {
				by = append(by, procs[i].s.instance)
			}
		}
		if len(by) > 1 {
			w.overlaps = append(w.overlaps, fmt.Sprintf("%s: mailbox %s held by %v", time.Now().Format("15:04:05.000"), box, by))
		}
		if v, err := w.rdb.Get(ctx, loadPrefix+":imap:{"+box+"}:lease").Result(); err == nil {
			if old, ok := w.holders[box]; ok && old != v {
				w.handovers++
			}
			w.holders[box] = v
		}
	}
}

// anyHeld reports whether any instance said it holds any lease.
func anyHeld(held []map[string]bool) bool {
	for _, h := range held {
		for _, yes := range h {
			if yes {
				return true
			}
		}
	}
	return false
}

// leasesHeld reads the mailboxes whose lease the instance at base holds;
// none when it does not answer.
func (w *leaseWatch) leasesHeld(ctx context.Context, base string) map[string]bool {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/metrics", nil)
	if err != nil {
		return nil
	}
	resp, err := w.client.Do(req)
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	held := map[string]bool{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), `frontdesk_imap_lease_held{mailbox="`)
		if !ok {
			continue
		}
		box, value, _ := strings.Cut(rest, `"} `)
		held[box] = strings.TrimSpace(value) == "1"
	}
	return held
}

func (w *leaseWatch) summary() (rounds, seen, handovers int, overlaps []string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.rounds, w.seen, w.handovers, append([]string(nil), w.overlaps...)
}
