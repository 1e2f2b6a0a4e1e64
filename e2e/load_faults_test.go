package e2e

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// The faults of issue 15 that a load run adds to kills and crashes: a
// failover of the cluster's desk master while its replica lags, Redis
// full, a hung IMAP server, and (in load_fleet_test.go) an instance whose
// clock is off.

// pause stops the server with SIGSTOP: it keeps its connections and
// answers nothing, as a replica that lags behind does.
func (n *redisNode) pause(t *testing.T) {
	t.Helper()
	if err := n.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatalf("pause redis-server on %s: %v", n.addr(), err)
	}
}

// resume lets a paused server go on (SIGCONT).
func (n *redisNode) resume(t *testing.T) {
	t.Helper()
	if err := n.cmd.Process.Signal(syscall.SIGCONT); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Fatalf("resume redis-server on %s: %v", n.addr(), err)
	}
}

// role is the node's role, "master" or "slave" ("" when it does not answer).
func (n *redisNode) role() string { return n.info("role") }

// info is a field of the node's INFO replication ("" when it does not answer).
func (n *redisNode) info(field string) string {
	c := redis.NewClient(&redis.Options{Addr: n.addr(), MaxRetries: -1, DialTimeout: time.Second, ReadTimeout: time.Second})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	info, err := c.Info(ctx, "replication").Result()
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), field+":"); ok {
			return v
		}
	}
	return ""
}

// deskReplica is the replica of the cluster master that holds the desk
// keys: the node that says it replicates that master's port (CLUSTER SLOTS
// leaves out a replica whose link is down a moment).
func (r *loadRedis) deskReplica(t *testing.T) *redisNode {
	t.Helper()
	master := r.deskNode(t)
	deadline := time.Now().Add(30 * time.Second)
	for {
		for _, n := range r.nodes {
			if n != master && n.replicates() == master.port {
				return n
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no replica of the desk master %s within 30 s", master.addr())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// replicates is the port of the master this node replicates (0: none).
func (n *redisNode) replicates() int {
	c := redis.NewClient(&redis.Options{Addr: n.addr(), MaxRetries: -1, DialTimeout: time.Second, ReadTimeout: time.Second})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	info, err := c.Info(ctx, "replication").Result()
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "master_port:"); ok {
			p, _ := strconv.Atoi(v)
			return p
		}
	}
	return 0
}

// failover is the cluster fault of issue 15: the desk master's replica
// lags (paused for lag), then the master's host crashes (SIGKILL) and the
// replica goes on, to be promoted once the cluster sees the master fail;
// the old master's host comes back after the promotion (its AOF cut back
// to its last fsync) and rejoins as a replica. With redis.min_replicas 1
// the instances told no source "done" about a write the replica lacked.
type failover struct {
	master, replica *redisNode
	paused, died    time.Time
	promoted        time.Duration // from the master's death to the replica's promotion
}

// newFailover finds the desk master and its replica.
func (r *loadRedis) newFailover(t *testing.T) *failover {
	t.Helper()
	return &failover{master: r.deskNode(t), replica: r.deskReplica(t)}
}

// lag pauses the replica once it is in sync with its master — a replica
// that lags is one in sync a moment ago, not one still loading its first
// copy, which no cluster would promote — and reports whether it did.
func (f *failover) lag(t *testing.T) bool {
	t.Helper()
	if f.replica.info("master_link_status") != "up" {
		return false
	}
	f.replica.pause(t)
	f.paused = time.Now()
	return true
}

func (f *failover) crash(t *testing.T) time.Time {
	t.Helper()
	f.master.kill(t)
	f.died = time.Now()
	f.replica.resume(t)
	return f.died
}

// rejoin reports whether the replica has been promoted; once it is, the
// old master's host comes back from what its disk kept.
func (f *failover) rejoin(t *testing.T) bool {
	t.Helper()
	if f.replica.role() != "master" {
		return false
	}
	f.promoted = time.Since(f.died)
	if _, err := cutToLastFsync(f.master.dir); err != nil {
		t.Fatalf("cut the AOF of %s back to its last fsync: %v", f.master.addr(), err)
	}
	f.master.start(t)
	return true
}

// masters are the nodes that are masters now.
func (r *loadRedis) masters() []*redisNode {
	if !r.cluster {
		return r.nodes
	}
	var ms []*redisNode
	for _, n := range r.nodes {
		if n.role() == "master" {
			ms = append(ms, n)
		}
	}
	return ms
}

// fill makes every master full: maxmemory below what it uses now, so that
// with the default noeviction policy every write is refused; unfill lifts
// the limit again.
func (r *loadRedis) fill(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	for _, n := range r.masters() {
		c := redis.NewClient(&redis.Options{Addr: n.addr()})
		info, err := c.Info(ctx, "memory").Result()
		used := int64(0)
		for _, line := range strings.Split(info, "\n") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(line), "used_memory:"); ok {
				used, _ = strconv.ParseInt(v, 10, 64)
			}
		}
		if err == nil {
			err = c.ConfigSet(ctx, "maxmemory", strconv.FormatInt(max(used/2, 1), 10)).Err()
		}
		_ = c.Close()
		if err != nil {
			t.Fatalf("make Redis on %s full: %v", n.addr(), err)
		}
	}
}

func (r *loadRedis) unfill(t *testing.T) {
	t.Helper()
	for _, n := range r.nodes {
		c := redis.NewClient(&redis.Options{Addr: n.addr()})
		err := c.ConfigSet(context.Background(), "maxmemory", "0").Err()
		_ = c.Close()
		if err != nil {
			t.Fatalf("lift maxmemory of Redis on %s: %v", n.addr(), err)
		}
	}
}

// readyWatch asks every running instance's /readyz every 250 ms while
// Redis is full, and counts the answers: each must be 503 and say Redis is
// full.
type readyWatch struct {
	mu                     sync.Mutex
	ok, unready, saidFull  int
	firstUnready, lastBody string
}

func (w *readyWatch) run(ctx context.Context, fleet *loadFleet, grace time.Duration) {
	client := &http.Client{Timeout: 2 * time.Second}
	start := time.Now()
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if time.Since(start) < grace {
			continue
		}
		for _, p := range fleet.live() {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.s.url+"/readyz", nil)
			if err != nil {
				return
			}
			resp, err := client.Do(req)
			if err != nil {
				continue // killed meanwhile, or starting
			}
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
			_ = resp.Body.Close()
			w.mu.Lock()
			switch resp.StatusCode {
			case http.StatusOK:
				w.ok++
			case http.StatusServiceUnavailable:
				w.unready++
				if strings.Contains(strings.ToLower(string(body)), "full") {
					w.saidFull++
				}
				if w.firstUnready == "" {
					w.firstUnready = strings.TrimSpace(string(body))
				}
			}
			w.lastBody = strings.TrimSpace(string(body))
			w.mu.Unlock()
		}
	}
}

func (w *readyWatch) summary() (ok, unready, saidFull int, body string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.ok, w.unready, w.saidFull, w.firstUnready
}
