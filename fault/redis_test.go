package fault_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"frontdesk/fault"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// oomReply stands for the reply a Redis at its maxmemory gives a write.
type oomReply struct{}

func (oomReply) Error() string { return "OOM command not allowed when used memory > 'maxmemory'." }
func (oomReply) RedisError()   {}

func TestRedisErrorsAreSortedByKind(t *testing.T) {
	ctx := context.Background()
	mr := miniredis.RunT(t)
	up := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	defer up.Close()
	down := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: time.Second})
	defer down.Close()

	if err := fault.Redis("ping", nil); err != nil {
		t.Fatalf("nil error = %v", err)
	}
	// Nothing answers: retry later.
	err := fault.Redis("ping", down.Ping(ctx).Err())
	if !fault.IsUnavailable(err) || fault.IsFull(err) {
		t.Fatalf("no server: %v (unavailable %v)", err, fault.IsUnavailable(err))
	}
	// A script that fails on its input: the same input fails again, so it
	// is not "unavailable" (a mail that causes it is counted against itself).
	err = fault.Redis("create ticket", up.Eval(ctx, "return redis.error_reply('ERR bad input')", nil).Err())
	if err == nil || fault.IsUnavailable(err) {
		t.Fatalf("script error: %v (unavailable %v)", err, fault.IsUnavailable(err))
	}
	// A key of the wrong type is data, not an outage.
	up.Set(ctx, "k", "v", 0)
	err = fault.Redis("read list", up.LRange(ctx, "k", 0, -1).Err())
	if err == nil || fault.IsUnavailable(err) {
		t.Fatalf("WRONGTYPE: %v", err)
	}
	// A missing key is not found.
	if err := fault.Redis("get", up.Get(ctx, "nothing").Err()); !errors.Is(err, fault.ErrNotFound) {
		t.Fatalf("redis.Nil = %v", err)
	}
	// A full Redis is unavailable and says it is full.
	err = fault.Redis("create ticket", oomReply{})
	if !fault.IsUnavailable(err) || !fault.IsFull(err) {
		t.Fatalf("OOM: %v", err)
	}
	// "Not now" replies of a failover or a loading server are unavailable.
	for _, msg := range []string{"LOADING Redis is loading the dataset in memory", "READONLY You can't write against a read only replica.", "CLUSTERDOWN The cluster is down"} {
		err := fault.Redis("write", up.Eval(ctx, "return redis.error_reply(ARGV[1])", nil, msg).Err())
		if !fault.IsUnavailable(err) {
			t.Errorf("%q: %v is not unavailable", msg, err)
		}
	}
}
