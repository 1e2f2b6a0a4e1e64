package redisstore

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"frontdesk/fault"
)

// startRedisServer starts a redis-server of the test's own on a free
// loopback port with the given extra arguments and returns its address and a
// client; skipped where redis-server is missing.
func startRedisServer(t *testing.T, args ...string) (string, *redis.Client, *exec.Cmd) {
	t.Helper()
	server := os.Getenv("FRONTDESK_TEST_REDIS_SERVER")
	if server == "" {
		server, _ = exec.LookPath("redis-server")
	}
	if server == "" {
		t.Skip("redis-server is needed (.ci/run installs it)")
	}
	port := freePort(t)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	cmd := exec.Command(server, append([]string{"--port", fmt.Sprint(port), "--bind", "127.0.0.1", "--save", "", "--dir", t.TempDir()}, args...)...)
	if err := cmd.Start(); err != nil {
		t.Fatalf("start redis-server: %v", err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	waitForPort(t, addr)
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
	t.Cleanup(func() { _ = rdb.Close() })
	return addr, rdb, cmd
}

// The store finds out what its Redis does to keep writes through a host
// crash, and says so.
func TestDurabilityModes(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Redis servers")
	}
	ctx := context.Background()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--appendonly", "no"}, DurableMemory},
		{[]string{"--appendonly", "yes", "--appendfsync", "always"}, DurableFsync},
	} {
		_, rdb, _ := startRedisServer(t, c.args...)
		s := New(rdb, &Options{Prefix: "fdtest"})
		mode, say, err := s.Durability(ctx)
		if err != nil || mode != c.want || say == "" {
			t.Errorf("%v: mode %q (%s), %v; want %q", c.args, mode, say, err, c.want)
		}
		if err := s.Durable(ctx); err != nil {
			t.Errorf("%v: Durable: %v", c.args, err)
		}
	}
	// everysec: only WAITAOF (Redis 7.2+) makes a write durable in time.
	_, rdb, _ := startRedisServer(t, "--appendonly", "yes", "--appendfsync", "everysec")
	s := New(rdb, &Options{Prefix: "fdtest"})
	mode, _, err := s.Durability(ctx)
	version, _ := rdb.Info(ctx, "server").Result()
	want := DurableMemory
	if v := strings.TrimSpace(between(version, "redis_version:", "\n")); versionAtLeast(v, 7, 2) {
		want = DurableWaitAOF
	}
	if err != nil || mode != want {
		t.Errorf("everysec: mode %q, %v; want %q", mode, err, want)
	}
	if err := s.Durable(ctx); err != nil {
		t.Errorf("everysec: Durable: %v", err)
	}
}

func between(s, from, to string) string {
	_, after, ok := strings.Cut(s, from)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(after, to)
	return v
}

// With redis.min_replicas, a write is durable once the replicas have it;
// with the replica gone, Durable fails as unavailable within its timeout and
// the source is not told "done".
func TestDurableWaitsForReplicas(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Redis servers")
	}
	ctx := context.Background()
	primary, rdb, _ := startRedisServer(t, "--appendonly", "no", "--repl-diskless-sync-delay", "0")
	host, port, _ := strings.Cut(primary, ":")
	_, replica, replicaCmd := startRedisServer(t, "--appendonly", "no", "--replicaof", host, port)
	deadline := time.Now().Add(10 * time.Second)
	for {
		info, _ := replica.Info(ctx, "replication").Result()
		primaryInfo, _ := rdb.Info(ctx, "replication").Result()
		if strings.Contains(info, "master_link_status:up") && strings.Contains(primaryInfo, "state=online") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the replica did not connect: %s", info)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// A wait that may take its time on a busy machine while the replica is
	// up; a short one once it is gone, which must fail.
	s := New(rdb, &Options{Prefix: "fdtest", MinReplicas: 1, DurableTimeout: 5 * time.Second})
	if mode, _, err := s.Durability(ctx); err != nil || (mode != DurableWait && mode != DurableWaitAOF) {
		t.Fatalf("mode %q, %v; want a wait for replicas", mode, err)
	}
	mustCreate(t, s, mail("dur-1", "ann@example.org", "Hi"))
	if err := s.Durable(ctx); err != nil {
		t.Fatalf("with the replica up: %v", err)
	}
	if n, _ := replica.Exists(ctx, s.ticketKey("1001")).Result(); n != 1 {
		t.Fatalf("Durable returned before the replica had the ticket")
	}
	_ = replicaCmd.Process.Kill()
	_ = replicaCmd.Wait()
	s = New(rdb, &Options{Prefix: "fdtest", MinReplicas: 1, DurableTimeout: 300 * time.Millisecond})
	mustCreate(t, s, mail("dur-2", "ann@example.org", "Hi again"))
	if err := s.Durable(ctx); !fault.IsUnavailable(err) {
		t.Fatalf("with the replica gone: %v, want unavailable", err)
	}
}

// Callers that come together share waits: a hundred callers while one wait
// runs need at most a couple more, and every caller's round starts after it
// joined.
func TestGroupCommitSharesWaits(t *testing.T) {
	var waits atomic.Int32
	var mu sync.Mutex
	var starts []time.Time
	g := &groupCommit{timeout: time.Second, wait: func(ctx context.Context) error {
		waits.Add(1)
		mu.Lock()
		starts = append(starts, time.Now())
		mu.Unlock()
		time.Sleep(30 * time.Millisecond)
		return nil
	}}
	var wg sync.WaitGroup
	late := atomic.Int32{}
	for range 100 {
		wg.Go(func() {
			joined := time.Now()
			if err := g.waitFor(context.Background()); err != nil {
				t.Error(err)
			}
			mu.Lock()
			defer mu.Unlock()
			// Some round that started after this caller joined covered it.
			covered := false
			for _, s := range starts {
				covered = covered || !s.Before(joined)
			}
			if !covered {
				late.Add(1)
			}
		})
	}
	wg.Wait()
	if n := waits.Load(); n > 10 {
		t.Errorf("%d waits for 100 callers that came together", n)
	}
	if n := late.Load(); n > 0 {
		t.Errorf("%d callers were answered by a wait that started before they came", n)
	}
}

// On a cluster every master gets a probe key of its own (the desk's keys
// live on one, attachments' bytes on all); a wait for replicas that a cluster
// without replicas cannot meet fails as unavailable rather than pretending.
func TestDurableOnACluster(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Redis Cluster")
	}
	ctx := context.Background()
	rdb := startRedisCluster(t)
	s := New(rdb, &Options{Prefix: "fdtest", MinReplicas: 1, DurableTimeout: 200 * time.Millisecond})
	probes, err := s.clusterProbes(ctx, rdb)
	if err != nil || len(probes) != 3 {
		t.Fatalf("probes = %v, %v; want one per master", probes, err)
	}
	for addr, key := range probes {
		node, err := rdb.MasterForKey(ctx, key)
		if err != nil || node.Options().Addr != addr {
			t.Errorf("probe %s is on %v, want %s", key, node, addr)
		}
	}
	if err := s.Durable(ctx); !fault.IsUnavailable(err) {
		t.Fatalf("Durable on a cluster without replicas, min_replicas 1: %v, want unavailable", err)
	}
}
