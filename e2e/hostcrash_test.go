package e2e

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// fsyncShim builds testdata/fsyncshim.c (once per test binary) and returns
// the library's path: LD_PRELOADed into redis-server, it notes how long each
// AOF file was at every fsync, which is what a crash of the host keeps.
var fsyncShim = sync.OnceValues(func() (string, error) {
	cc, err := exec.LookPath("gcc")
	if err != nil {
		return "", fmt.Errorf("gcc is needed to build the fsync shim: %w", err)
	}
	dir, err := os.MkdirTemp("", "fsyncshim")
	if err != nil {
		return "", err
	}
	out := filepath.Join(dir, "fsyncshim.so")
	if b, err := exec.Command(cc, "-shared", "-fPIC", "-O2", "-o", out, "testdata/fsyncshim.c", "-ldl").CombinedOutput(); err != nil {
		return "", fmt.Errorf("build the fsync shim: %v\n%s", err, b)
	}
	return out, nil
})

// shimEnv is the environment that runs a redis-server under the fsync shim,
// its log in dir.
func shimEnv(t *testing.T, dir string) []string {
	t.Helper()
	lib, err := fsyncShim()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	return append(os.Environ(), "LD_PRELOAD="+lib, "FSYNC_LOG="+filepath.Join(dir, "fsync.log"))
}

// cutToLastFsync cuts every AOF file under dir back to its length at its
// last fsync (the shim's log): what a power loss would leave on disk. Files
// the log does not name were written under another name, fsynced and renamed
// (the manifest, a base file): they are kept. It reports how many bytes it
// cut.
func cutToLastFsync(dir string) (int64, error) {
	synced := map[string]int64{}
	if f, err := os.Open(filepath.Join(dir, "fsync.log")); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			path, size, ok := strings.Cut(sc.Text(), " ")
			if n, err := strconv.ParseInt(size, 10, 64); ok && err == nil {
				synced[path] = n
			}
		}
		_ = f.Close()
		// The log is the shim's, not the disk's: it goes with the crash.
		_ = os.Remove(filepath.Join(dir, "fsync.log"))
	} else if !errors.Is(err, os.ErrNotExist) {
		return 0, err
	}
	files, err := filepath.Glob(filepath.Join(dir, "appendonlydir", "*"))
	if err != nil {
		return 0, err
	}
	var cut int64
	for _, path := range files {
		st, err := os.Stat(path)
		if err != nil {
			return cut, err
		}
		keep, ok := synced[path]
		if abs, err := filepath.Abs(path); err == nil && !ok {
			keep, ok = synced[abs]
		}
		if ok && st.Size() > keep {
			if err := os.Truncate(path, keep); err != nil {
				return cut, err
			}
			cut += st.Size() - keep
		}
	}
	return cut, nil
}

// The host-crash fault bites: under appendfsync everysec a crash of the host
// loses writes Redis acknowledged, and under appendfsync always (what
// frontdesk's docker compose runs) none.
func TestHostCrashFault(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Redis servers")
	}
	bin, _ := redisTools(t)
	for _, c := range []struct {
		fsync    string
		lossless bool
	}{{"always", true}, {"everysec", false}} {
		t.Run(c.fsync, func(t *testing.T) {
			n := &redisNode{bin: bin, dir: t.TempDir(), port: freePortPair(t, false), fsync: c.fsync, shim: true}
			n.start(t)
			rdb := redis.NewClient(&redis.Options{Addr: n.addr(), MaxRetries: -1})
			defer rdb.Close()
			ctx := context.Background()
			// One write, then a second for everysec's background fsync to
			// note the file; then a burst, and the crash at once.
			if err := rdb.Set(ctx, "first", "v", 0).Err(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(1500 * time.Millisecond)
			acked := 1
			for i := range 2000 {
				if err := rdb.Set(ctx, fmt.Sprintf("k%d", i), "v", 0).Err(); err != nil {
					t.Fatal(err)
				}
				acked++
			}
			cut, err := n.hostCrash(t)
			if err != nil {
				t.Fatal(err)
			}
			kept, err := rdb.DBSize(ctx).Result()
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("appendfsync %s: %d writes acknowledged, %d kept, %d bytes cut", c.fsync, acked, kept, cut)
			if c.lossless && kept != int64(acked) {
				t.Fatalf("appendfsync always lost %d acknowledged writes", int64(acked)-kept)
			}
			if !c.lossless && kept == int64(acked) {
				t.Fatal("appendfsync everysec lost nothing in a host crash: the fault does not bite")
			}
		})
	}
}

// hostCrash is a crash of the host under the node: SIGKILL, then every AOF
// file cut back to its last fsync, then a start from what is left. It
// returns how many bytes the crash took.
func (n *redisNode) hostCrash(t *testing.T) (int64, error) {
	t.Helper()
	n.kill(t)
	cut, err := cutToLastFsync(n.dir)
	if err != nil {
		return 0, fmt.Errorf("cut the AOF back to its last fsync: %w", err)
	}
	n.start(t)
	// A client of the test may hold a dead connection: give it a moment.
	time.Sleep(10 * time.Millisecond)
	return cut, nil
}
