package redisstore

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"frontdesk/ticket"
)

// TestStoreOnRedisCluster runs the store against a real Redis Cluster of three
// masters on loopback, started for the test: the desk keys must stay in one
// slot, attachment blobs spread over the others. Skipped where redis-server or
// redis-cli is missing.
func TestStoreOnRedisCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Redis Cluster; skipped with -short")
	}
	rdb := startRedisCluster(t)
	s := New(rdb, &Options{Prefix: "fdtest-" + randomHex(6)})
	ctx := context.Background()

	nt := mail("cluster-1", "ann@example.org", "On a cluster")
	for i := range 6 {
		nt.Message.Attachments = append(nt.Message.Attachments, ticket.NewAttachment{
			Filename: fmt.Sprintf("f%d.txt", i), Data: []byte(strings.Repeat("x", i+1)),
		})
	}
	var wg sync.WaitGroup
	receipts := make(chan ticket.Receipt, 50)
	for range 50 {
		wg.Go(func() {
			r, err := s.Create(ctx, nt)
			if err != nil {
				t.Errorf("create on cluster: %v", err)
				return
			}
			receipts <- r
		})
	}
	wg.Wait()
	close(receipts)
	created := 0
	var id string
	for r := range receipts {
		id = r.TicketID
		if r.Created {
			created++
		}
	}
	if created != 1 {
		t.Fatalf("50 concurrent creates on a cluster made %d tickets", created)
	}
	tk := assertWhole(t, s, id)
	slots := map[int64]bool{}
	for _, a := range tk.Messages[0].Attachments {
		slot, err := rdb.ClusterKeySlot(ctx, s.blobKey(a.ID)).Result()
		if err != nil {
			t.Fatal(err)
		}
		slots[slot] = true
	}
	if len(slots) < 2 {
		t.Errorf("6 attachments landed in %d slot(s); blobs should spread", len(slots))
	}
	if _, err := s.AppendMessage(ctx, id, ticket.NewMessage{SourceKey: "cluster-2", Text: "more"}); err != nil {
		t.Fatalf("append on cluster: %v", err)
	}
	claimed, err := s.ClaimNext(ctx, []string{"support"}, "ann", time.Minute)
	if err != nil || claimed.ID != id {
		t.Fatalf("claim on cluster = %v, %v", claimed, err)
	}
	if err := s.SetStatus(ctx, id, ticket.StatusClosed, "ann"); err != nil {
		t.Fatal(err)
	}
	if p, err := s.List(ctx, ticket.ListFilter{Status: ticket.StatusClosed}); err != nil || len(p.Tickets) != 1 {
		t.Fatalf("list on cluster = %+v, %v", p, err)
	}
	if _, err := s.QueueStats(ctx, "support"); err != nil {
		t.Fatal(err)
	}
	if found, err := s.FindByMessageID(ctx, "<cluster-1@example.org>"); err != nil || found != id {
		t.Fatalf("find by message id on cluster = %q, %v", found, err)
	}
}

// startRedisCluster starts three cluster-enabled redis-servers on free loopback
// ports, joins them with redis-cli --cluster create, and returns a client.
func startRedisCluster(t *testing.T) *redis.ClusterClient {
	t.Helper()
	server := os.Getenv("FRONTDESK_TEST_REDIS_SERVER")
	if server == "" {
		server, _ = exec.LookPath("redis-server")
	}
	cli, _ := exec.LookPath("redis-cli")
	if server == "" || cli == "" {
		t.Skip("redis-server and redis-cli are needed for the cluster test (.ci/run installs them)")
	}
	dir := t.TempDir()
	var addrs []string
	for i := range 3 {
		port := freePort(t)
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		cmd := exec.Command(server, "--port", fmt.Sprint(port), "--bind", "127.0.0.1",
			"--cluster-enabled", "yes", "--cluster-config-file", filepath.Join(dir, fmt.Sprintf("nodes-%d.conf", i)),
			"--save", "", "--appendonly", "no", "--dir", dir)
		if err := cmd.Start(); err != nil {
			t.Fatalf("start redis-server: %v", err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		waitForPort(t, addr)
		addrs = append(addrs, addr)
	}
	out, err := exec.Command(cli, append([]string{"--cluster", "create"}, append(addrs, "--cluster-replicas", "0", "--cluster-yes")...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	rdb := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs})
	t.Cleanup(func() { _ = rdb.Close() })
	deadline := time.Now().Add(20 * time.Second)
	for {
		// Every node must see the cluster whole, not only the one asked
		// first: a node that still says CLUSTERDOWN fails the first write
		// whose slot it serves.
		// (f runs on every node at once: it only returns what it saw.)
		err := rdb.ForEachShard(context.Background(), func(ctx context.Context, c *redis.Client) error {
			in, err := c.ClusterInfo(ctx).Result()
			if err == nil && !strings.Contains(in, "cluster_state:ok") {
				err = fmt.Errorf("cluster state not ok: %s", in)
			}
			return err
		})
		if err == nil {
			return rdb
		}
		if time.Now().After(deadline) {
			t.Fatalf("cluster not ready: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func waitForPort(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not open: %v", addr, errors.Unwrap(err))
		}
		time.Sleep(50 * time.Millisecond)
	}
}
