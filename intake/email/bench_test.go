package email

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/emersion/go-imap/v2"
	"github.com/redis/go-redis/v9"

	"frontdesk/config"
	"frontdesk/desk"
	"frontdesk/intake/imappoll"
	"frontdesk/internal/testdovecot"
	"frontdesk/ticket"
	"frontdesk/ticket/redisstore"
)

// BenchmarkImportFromDovecot measures email intake end to end: b.N mails of
// 8 KB in a local Dovecot, polled, parsed and stored as tickets in Redis (the
// one in FRONTDESK_TEST_REDIS_URL, else miniredis), each marked \Seen.
// FRONTDESK_BENCH_MIN_REPLICAS is redis.min_replicas (WAIT for replicas);
// FRONTDESK_BENCH_DURABLE=mail waits for durability after every mail
// instead of once per fetch batch (docs/load.md has the figures).
//
//	FRONTDESK_TEST_REDIS_URL=redis://127.0.0.1:6379/9 go test -run '^$' -bench ImportFromDovecot -benchtime 5000x ./intake/email
func BenchmarkImportFromDovecot(b *testing.B) {
	dc := testdovecot.Start(b, "desk")
	dc.DeliverMaildir(b, "desk", 0, b.N, 8<<10)
	// Let Dovecot index the new maildir files first, as its delivery agent
	// would have at delivery time: that is Dovecot's work, not the import's.
	c := dc.Client(b, "desk")
	if _, err := c.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		b.Fatal(err)
	}
	if _, err := c.UIDSearch(&imap.SearchCriteria{NotFlag: []imap.Flag{imap.FlagSeen}}, nil).Wait(); err != nil {
		b.Fatal(err)
	}
	_ = c.Logout().Wait()
	var rdb redis.UniversalClient
	prefix := "fdbench-" + time.Now().Format("150405.000000")
	if url := os.Getenv("FRONTDESK_TEST_REDIS_URL"); url != "" {
		opts, err := redis.ParseURL(url)
		if err != nil {
			b.Fatal(err)
		}
		rdb = redis.NewClient(opts)
		b.Cleanup(func() { _ = rdb.Close() })
		b.Cleanup(func() { deleteKeys(rdb, prefix) }) // runs first: cleanups are last-in first-out
	} else {
		rdb = redis.NewClient(&redis.Options{Addr: miniredis.RunT(b).Addr()})
		b.Cleanup(func() { _ = rdb.Close() })
	}
	mb := dc.Mailbox("desk")
	mb.Queue = "support"
	cfg := &config.Config{Mailboxes: []config.Mailbox{mb}, Queues: []config.Queue{{Name: "support"}}}
	minReplicas, _ := strconv.Atoi(os.Getenv("FRONTDESK_BENCH_MIN_REPLICAS"))
	store := redisstore.New(rdb, &redisstore.Options{Prefix: prefix, MinReplicas: minReplicas})
	im := NewImporter(desk.New(store, cfg, nil), &Options{Logger: slog.New(slog.DiscardHandler)})
	handle := imappoll.Handler(im.Handle)
	if os.Getenv("FRONTDESK_BENCH_DURABLE") == "mail" {
		// One durability wait per mail, as before the waits were batched:
		// what one wait per fetch batch wins back.
		handle = func(ctx context.Context, m imappoll.Mail) error {
			if err := im.Handle(ctx, m); err != nil {
				return err
			}
			return store.Durable(ctx)
		}
	}
	p := imappoll.New(mb, handle, &imappoll.Options{
		Logger: slog.New(slog.DiscardHandler), Redis: rdb, Prefix: prefix, Prepare: im.Prepare, Threading: im.Threading,
		Durable: store.Durable, Workers: benchWorkers(),
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b.ResetTimer()
	start := time.Now()
	go func() { _ = p.Run(ctx) }()
	for {
		page, err := store.List(ctx, ticket.ListFilter{Limit: 1})
		if err != nil {
			b.Fatal(err)
		}
		if len(page.Tickets) == 1 && page.Tickets[0].ID == itoa(1000+b.N) {
			break
		}
		if time.Since(start) > 5*time.Minute {
			b.Fatal("import did not finish within 5 minutes")
		}
		time.Sleep(20 * time.Millisecond)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "mails/s")
}

func itoa(n int) string { return fmt.Sprint(n) }

func deleteKeys(rdb redis.UniversalClient, prefix string) {
	ctx := context.Background()
	iter := rdb.Scan(ctx, 0, prefix+":*", 1000).Iterator()
	var keys []string
	for iter.Next(ctx) {
		if keys = append(keys, iter.Val()); len(keys) == 500 {
			rdb.Del(ctx, keys...)
			keys = keys[:0]
		}
	}
	if len(keys) > 0 {
		rdb.Del(ctx, keys...)
	}
}

// benchWorkers is FRONTDESK_BENCH_WORKERS, the poller's Workers (0: its
// default), for comparing how many mails share one fsync.
func benchWorkers() int {
	n, _ := strconv.Atoi(os.Getenv("FRONTDESK_BENCH_WORKERS"))
	return n
}
