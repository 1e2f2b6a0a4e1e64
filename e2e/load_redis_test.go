package e2e

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// redisTools finds redis-server ($FRONTDESK_TEST_REDIS_SERVER, else PATH,
// else Debian's path) and redis-cli. Without them the test is skipped, or
// fails when CI=true.
func redisTools(t *testing.T) (server, cli string) {
	t.Helper()
	find := func(env, name string) string {
		if p := os.Getenv(env); env != "" && p != "" {
			return p
		}
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
		if _, err := os.Stat("/usr/bin/" + name); err == nil {
			return "/usr/bin/" + name
		}
		return ""
	}
	server, cli = find("FRONTDESK_TEST_REDIS_SERVER", "redis-server"), find("", "redis-cli")
	if server == "" || cli == "" {
		msg := "redis-server and redis-cli are needed for the load harness (Debian package redis-server; .ci/run installs it)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return server, cli
}

// redisNode is one redis-server process of the harness's own, on a fixed
// loopback port with its data (AOF, nodes.conf) in a directory of its own, so
// that it can be killed, stopped and started again where it was.
type redisNode struct {
	bin     string
	dir     string
	port    int
	cluster bool
	// fsync is appendfsync ("always" when empty); shim runs the server
	// under the fsync shim, so that hostCrash can cut its AOF back to what
	// a power loss would keep.
	fsync  string
	shim   bool
	extra  []string // more redis-server arguments
	cmd    *exec.Cmd
	exited chan struct{}
}

func (n *redisNode) addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(n.port)) }

// start runs redis-server with AOF on (appendfsync always: a killed Redis
// keeps every write it acknowledged) and waits until it answers PING, which
// is after it has loaded its AOF.
func (n *redisNode) start(t *testing.T) {
	t.Helper()
	fsync := n.fsync
	if fsync == "" {
		fsync = "always"
	}
	args := []string{
		"--port", strconv.Itoa(n.port), "--bind", "127.0.0.1", "--dir", n.dir,
		"--appendonly", "yes", "--appendfsync", fsync, "--save", "",
		"--logfile", "redis.log", "--daemonize", "no",
	}
	if n.cluster {
		args = append(args, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf")
	}
	args = append(args, n.extra...)
	n.cmd = exec.Command(n.bin, args...)
	if n.shim {
		n.cmd.Env = shimEnv(t, n.dir)
	}
	if err := n.cmd.Start(); err != nil {
		t.Fatalf("start redis-server on %s: %v", n.addr(), err)
	}
	cmd, exited := n.cmd, make(chan struct{})
	n.exited = exited
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	c := redis.NewClient(&redis.Options{Addr: n.addr(), MaxRetries: -1, DialTimeout: time.Second})
	defer c.Close()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil {
			return
		}
		select {
		case <-exited:
			t.Fatalf("redis-server on %s exited: %s", n.addr(), n.logTail())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis-server on %s does not answer within 30s: %v\n%s", n.addr(), err, n.logTail())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// kill ends the server with SIGKILL, as a crash would.
func (n *redisNode) kill(t *testing.T) {
	t.Helper()
	if err := n.cmd.Process.Signal(syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Fatalf("kill redis-server on %s: %v", n.addr(), err)
	}
	<-n.exited
}

// stop shuts the server down cleanly (SIGTERM: Redis flushes its AOF).
func (n *redisNode) stop(t *testing.T) {
	t.Helper()
	if err := n.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Fatalf("stop redis-server on %s: %v", n.addr(), err)
	}
	select {
	case <-n.exited:
	case <-time.After(30 * time.Second):
		t.Fatalf("redis-server on %s did not stop within 30s of SIGTERM", n.addr())
	}
}

func (n *redisNode) logTail() string { return tail(filepath.Join(n.dir, "redis.log"), 20) }

// loadRedis is the Redis of a load run: one server, or a cluster of three
// masters with a replica each, all the harness's own.
type loadRedis struct {
	nodes   []*redisNode
	cluster bool
	// minReplicas is redis.min_replicas of the instances: 1 on the
	// cluster, whose every master has a replica (a failover then keeps
	// every write a source was told is done), 0 on the single Redis.
	minReplicas int
	// client is the harness's own connection, for its checks.
	client redis.UniversalClient
}

// startSingleRedis starts one redis-server with AOF on a free loopback port.
func startSingleRedis(t *testing.T) *loadRedis {
	t.Helper()
	bin, _ := redisTools(t)
	n := &redisNode{bin: bin, dir: t.TempDir(), port: freePortPair(t, false), shim: true}
	n.start(t)
	r := &loadRedis{nodes: []*redisNode{n}}
	r.client = redis.NewClient(&redis.Options{Addr: n.addr(), PoolSize: 20})
	t.Cleanup(func() { _ = r.client.Close() })
	return r
}

// clusterNodeTimeout is cluster-node-timeout of the harness's cluster: a
// master that does not answer for this long is failed over to its replica.
// Redis's default is 15 s; 3 s keeps the run short and the failover the same.
const clusterNodeTimeout = 3 * time.Second

// startClusterRedis starts six cluster-enabled redis-servers with AOF on
// free loopback ports and joins them with redis-cli --cluster create as
// three masters with a replica each.
func startClusterRedis(t *testing.T) *loadRedis {
	t.Helper()
	bin, cli := redisTools(t)
	r := &loadRedis{cluster: true, minReplicas: 1}
	var addrs []string
	for range 6 {
		n := &redisNode{bin: bin, dir: t.TempDir(), port: freePortPair(t, true), cluster: true, shim: true,
			extra: []string{"--cluster-node-timeout", strconv.Itoa(int(clusterNodeTimeout.Milliseconds()))}}
		n.start(t)
		r.nodes = append(r.nodes, n)
		addrs = append(addrs, n.addr())
	}
	args := append(append([]string{"--cluster", "create"}, addrs...), "--cluster-replicas", "1", "--cluster-yes")
	if out, err := exec.Command(cli, args...).CombinedOutput(); err != nil {
		t.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	r.waitClusterOK(t)
	r.client = redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs, PoolSize: 20})
	t.Cleanup(func() { _ = r.client.Close() })
	return r
}

// waitClusterOK waits until every node says cluster_state:ok.
func (r *loadRedis) waitClusterOK(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for _, n := range r.nodes {
		c := redis.NewClient(&redis.Options{Addr: n.addr(), MaxRetries: -1})
		for {
			info, err := c.ClusterInfo(context.Background()).Result()
			if err == nil && strings.Contains(info, "cluster_state:ok") {
				break
			}
			if time.Now().After(deadline) {
				_ = c.Close()
				t.Fatalf("cluster node %s not ok within 60s: %v %s", n.addr(), err, info)
			}
			time.Sleep(100 * time.Millisecond)
		}
		_ = c.Close()
	}
}

// yaml is the redis section's connection keys: url for one server, addrs
// for the cluster.
func (r *loadRedis) yaml() string {
	if !r.cluster {
		return fmt.Sprintf("  url: %q\n", "redis://"+r.nodes[0].addr()+"/0")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "  min_replicas: %d\n", r.minReplicas)
	b.WriteString("  addrs:\n")
	for _, n := range r.nodes {
		fmt.Fprintf(&b, "    - %q\n", n.addr())
	}
	return b.String()
}

// deskNode is the node that holds the desk keys (hash tag {desk}): the only
// one, or the cluster master serving their slot.
func (r *loadRedis) deskNode(t *testing.T) *redisNode {
	t.Helper()
	if !r.cluster {
		return r.nodes[0]
	}
	ctx := context.Background()
	slot, err := r.client.ClusterKeySlot(ctx, "{desk}").Result()
	if err != nil {
		t.Fatalf("CLUSTER KEYSLOT: %v", err)
	}
	ranges, err := r.client.ClusterSlots(ctx).Result()
	if err != nil {
		t.Fatalf("CLUSTER SLOTS: %v", err)
	}
	for _, sr := range ranges {
		if int64(sr.Start) <= slot && slot <= int64(sr.End) && len(sr.Nodes) > 0 {
			for _, n := range r.nodes {
				if n.addr() == sr.Nodes[0].Addr {
					return n
				}
			}
		}
	}
	t.Fatalf("no node serves slot %d of {desk}", slot)
	return nil
}

// crash is a crash of the host under the node holding the desk keys: it is
// killed with SIGKILL, its AOF cut back to what its last fsync kept (the
// fsync shim's log), and it starts again at once from what is left. It
// returns when the node died.
func (r *loadRedis) crash(t *testing.T) time.Time {
	t.Helper()
	n := r.deskNode(t)
	n.kill(t)
	died := time.Now()
	if _, err := cutToLastFsync(n.dir); err != nil {
		t.Fatalf("cut the AOF of %s back to its last fsync: %v", n.addr(), err)
	}
	n.start(t)
	if r.cluster {
		r.waitClusterOK(t) // the fault is over once the cluster is whole
	}
	return died
}

// down stops every node cleanly; up starts them again (and, for a
// cluster, waits until it is whole).
func (r *loadRedis) down(t *testing.T) {
	t.Helper()
	for _, n := range r.nodes {
		n.stop(t)
	}
}

func (r *loadRedis) up(t *testing.T) {
	t.Helper()
	for _, n := range r.nodes {
		n.start(t)
	}
	if r.cluster {
		r.waitClusterOK(t)
	}
}

// freePortPair returns a free loopback port; for a cluster node, one whose
// cluster bus port (port + 10000) is free and valid too.
//
// $FRONTDESK_TEST_REDIS_PORTS ("7100-7199") confines the harness's Redis
// servers to a range of ports, on a machine shared with other runs.
func freePortPair(t *testing.T, bus bool) int {
	t.Helper()
	if lo, hi, ok := redisPortRange(t); ok {
		for port := lo; port <= hi; port++ {
			if !portFree(port) || bus && (port+10000 > 65535 || !portFree(port+10000)) {
				continue
			}
			if !redisPortsTaken.CompareAndSwap(port, true) {
				continue
			}
			return port
		}
		t.Fatalf("no free port in FRONTDESK_TEST_REDIS_PORTS %d-%d", lo, hi)
	}
	for range 200 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		if !bus {
			_ = ln.Close()
			return port
		}
		if port+10000 > 65535 {
			_ = ln.Close()
			continue
		}
		ln2, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port+10000)))
		_ = ln.Close()
		if err == nil {
			_ = ln2.Close()
			return port
		}
	}
	t.Fatal("no free port pair for a cluster node")
	return 0
}

// redisLog is a go-redis logger to stderr, as go-redis's own; quiet, it
// drops the "failed to dial" lines that a Redis stopped on purpose makes by
// the hundred in the harness's own clients.
type redisLog struct {
	l     *log.Logger
	quiet bool
}

func (r redisLog) Printf(_ context.Context, format string, v ...any) {
	if r.quiet && strings.Contains(format, "failed to dial") {
		return
	}
	_ = r.l.Output(2, fmt.Sprintf(format, v...))
}

// quietRedisDials silences the harness's go-redis dial failures until the
// test ends.
func quietRedisDials(t *testing.T) {
	l := log.New(os.Stderr, "redis: ", log.LstdFlags|log.Lshortfile)
	redis.SetLogger(redisLog{l: l, quiet: true})
	t.Cleanup(func() { redis.SetLogger(redisLog{l: l}) })
}

// redisPortsTaken are the ports of $FRONTDESK_TEST_REDIS_PORTS handed out
// already: a stopped node's port must stay its own.
var redisPortsTaken = &takenPorts{m: map[int]bool{}}

type takenPorts struct {
	mu sync.Mutex
	m  map[int]bool
}

// CompareAndSwap takes port unless it was taken; it reports whether it took it.
func (p *takenPorts) CompareAndSwap(port int, _ bool) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.m[port] {
		return false
	}
	p.m[port] = true
	return true
}

// redisPortRange reads $FRONTDESK_TEST_REDIS_PORTS.
func redisPortRange(t *testing.T) (lo, hi int, ok bool) {
	v := os.Getenv("FRONTDESK_TEST_REDIS_PORTS")
	if v == "" {
		return 0, 0, false
	}
	a, b, found := strings.Cut(v, "-")
	lo, err1 := strconv.Atoi(a)
	hi, err2 := strconv.Atoi(b)
	if !found || err1 != nil || err2 != nil || lo < 1 || hi < lo || hi > 65535 {
		t.Fatalf("FRONTDESK_TEST_REDIS_PORTS=%q: want a range like 7100-7199", v)
	}
	return lo, hi, true
}

func portFree(port int) bool {
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return false
	}
	_ = ln.Close()
	return true
}
