package redisstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"frontdesk/fault"
)

// Durability modes: what makes a write survive a crash of the Redis host
// before a source — an IMAP server, Twilio, an API client — is told it is
// done.
const (
	// DurableFsync: the AOF is fsynced before Redis answers a write
	// (appendfsync always). An answer is the proof; nothing to wait for.
	DurableFsync = "fsync"
	// DurableWaitAOF: WAITAOF (Redis 7.2+) waits until the writes are
	// fsynced to the local AOF (and, with min_replicas, to replicas').
	DurableWaitAOF = "waitaof"
	// DurableWait: WAIT waits until min_replicas replicas have the writes
	// (Redis before 7.2, or without an AOF).
	DurableWait = "wait"
	// DurableMemory: nothing makes a write durable in time (no AOF, or
	// appendfsync everysec or no on a Redis before 7.2 without replicas):
	// a host crash may lose writes that were acknowledged.
	DurableMemory = "memory"
)

// durability is what the store found out about its Redis: how it makes
// writes durable.
type durability struct {
	mode    string
	version string // redis_version
	aof     bool
	fsync   string // appendfsync, "" when CONFIG is not allowed
}

func (d durability) String() string {
	switch d.mode {
	case DurableFsync:
		return "every write is fsynced before Redis answers (appendfsync always)"
	case DurableWaitAOF:
		return "WAITAOF after each batch of writes (Redis " + d.version + ")"
	case DurableWait:
		return "WAIT for replicas after each batch of writes"
	}
	return "none: a crash of the Redis host can lose acknowledged writes (set appendonly yes and appendfsync always, or use Redis 7.2+)"
}

// defaultDurableTimeout bounds one wait for durability; a wait that does not
// end in time fails as unavailable, and the source is not told "done".
const defaultDurableTimeout = 5 * time.Second

// Durable waits until every write this process made before the call
// survives a crash of the Redis host — by the server's own fsync
// (appendfsync always), by WAITAOF (Redis 7.2+), or by WAIT for
// redis.min_replicas replicas — and only then may a source be told it is
// done (\Seen, a webhook's 200, a 202). Calls that come together share one
// wait (a group commit). It returns an error for which fault.IsUnavailable
// holds when the write could not be made durable in time.
func (s *Store) Durable(ctx context.Context) error {
	return s.group.waitFor(ctx)
}

// Durability says how writes are made durable, for the log and readiness:
// one of the Durable* modes and a sentence.
func (s *Store) Durability(ctx context.Context) (string, string, error) {
	d, err := s.durability(ctx)
	if err != nil {
		return "", "", err
	}
	return d.mode, d.String(), nil
}

// durability finds out (once, and again after a failure) what Redis offers.
func (s *Store) durability(ctx context.Context) (durability, error) {
	s.durableMu.Lock()
	defer s.durableMu.Unlock()
	if s.found != nil {
		return *s.found, nil
	}
	d, err := detectDurability(ctx, s.rdb, s.minReplicas)
	if err != nil {
		return d, err
	}
	if d.mode == DurableMemory {
		s.logger.Warn("Redis does not keep writes through a host crash: "+d.String(),
			slog.String("redis_version", d.version), slog.Bool("aof", d.aof), slog.String("appendfsync", d.fsync))
	} else {
		s.logger.Info("writes are made durable before sources hear done: "+d.String(),
			slog.String("redis_version", d.version))
	}
	s.found = &d
	return d, nil
}

// forgetDurability makes the next wait find out again (after a failover, say).
func (s *Store) forgetDurability() {
	s.durableMu.Lock()
	s.found = nil
	s.durableMu.Unlock()
}

// detectDurability reads the server's version and persistence settings.
func detectDurability(ctx context.Context, rdb redis.UniversalClient, minReplicas int) (durability, error) {
	var d durability
	node := rdb
	if cc, ok := rdb.(*redis.ClusterClient); ok {
		var err error
		if node, err = cc.MasterForKey(ctx, "{desk}"); err != nil {
			return d, fault.Redis("find the desk's Redis node", err)
		}
	}
	var info string
	for _, section := range []string{"server", "persistence"} {
		part, err := node.Info(ctx, section).Result()
		if err != nil {
			if err = fault.Redis("read Redis's persistence settings", err); fault.IsUnavailable(err) {
				return d, err
			}
			// A server that does not say (an in-process test Redis) keeps
			// nothing on disk.
			d.mode = DurableMemory
			return d, nil
		}
		info += part
	}
	for _, line := range strings.Split(info, "\n") {
		k, v, _ := strings.Cut(strings.TrimSpace(line), ":")
		switch k {
		case "redis_version":
			d.version = v
		case "aof_enabled":
			d.aof = v == "1"
		}
	}
	if cfg, err := node.ConfigGet(ctx, "appendfsync").Result(); err == nil {
		d.fsync = cfg["appendfsync"]
	}
	waitAOF := versionAtLeast(d.version, 7, 2)
	switch {
	case minReplicas > 0 && waitAOF && d.aof:
		d.mode = DurableWaitAOF
	case minReplicas > 0:
		d.mode = DurableWait
	case d.aof && d.fsync == "always":
		d.mode = DurableFsync
	case d.aof && waitAOF:
		d.mode = DurableWaitAOF
	default:
		d.mode = DurableMemory
	}
	return d, nil
}

// versionAtLeast reports whether a "7.2.4"-style version is at least
// major.minor.
func versionAtLeast(v string, major, minor int) bool {
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return false
	}
	ma, err1 := strconv.Atoi(parts[0])
	mi, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil {
		return false
	}
	return ma > major || ma == major && mi >= minor
}

// makeDurable does one wait: on every master (the desk's keys live on one,
// attachments' bytes on all), a write of a probe key and, on the same
// connection, WAITAOF or WAIT. The probe's offset comes after every write
// this process finished before, so waiting for it waits for them all.
func (s *Store) makeDurable(ctx context.Context) error {
	d, err := s.durability(ctx)
	if err != nil {
		return err
	}
	switch d.mode {
	case DurableFsync, DurableMemory:
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, s.durableTimeout+time.Second)
	defer cancel()
	wait := func(ctx context.Context, node *redis.Client, probe string) error {
		var res *redis.Cmd
		_, err := node.Pipelined(ctx, func(p redis.Pipeliner) error {
			p.Set(ctx, probe, time.Now().UnixMilli(), time.Hour)
			if d.mode == DurableWaitAOF {
				res = p.Do(ctx, "WAITAOF", 1, s.minReplicas, s.durableTimeout.Milliseconds())
			} else {
				res = p.Do(ctx, "WAIT", s.minReplicas, s.durableTimeout.Milliseconds())
			}
			return nil
		})
		if err != nil {
			return fault.Redis("wait for writes to be durable", err)
		}
		return checkWait(res, d.mode, s.minReplicas, s.durableTimeout)
	}
	cc, ok := s.rdb.(*redis.ClusterClient)
	if !ok {
		node, ok := s.rdb.(*redis.Client)
		if !ok {
			return fmt.Errorf("wait for writes to be durable: unsupported Redis client %T", s.rdb)
		}
		return s.wrapDurable(wait(ctx, node, s.base+"durable"))
	}
	return s.wrapDurable(s.onEveryMaster(ctx, cc, "wait for writes to be durable", wait))
}

func firstErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// wrapDurable makes the next wait detect the server again after a failure
// (a failover may have brought another configuration).
func (s *Store) wrapDurable(err error) error {
	if err != nil {
		s.forgetDurability()
	}
	return err
}

// checkWait reads WAITAOF's [local, replicas] or WAIT's replica count.
func checkWait(res *redis.Cmd, mode string, replicas int, timeout time.Duration) error {
	v, err := res.Result()
	if err != nil {
		return fault.Redis("wait for writes to be durable", err)
	}
	switch mode {
	case DurableWaitAOF:
		list, _ := v.([]any)
		if len(list) != 2 {
			return fault.Unavailable(fmt.Errorf("wait for writes to be durable: WAITAOF answered %v", v))
		}
		local, _ := list[0].(int64)
		rep, _ := list[1].(int64)
		if local < 1 || rep < int64(replicas) {
			return fault.Unavailable(fmt.Errorf("wait for writes to be durable: fsynced locally %d, on %d of %d replicas within %v", local, rep, replicas, timeout))
		}
	default:
		n, _ := v.(int64)
		if n < int64(replicas) {
			return fault.Unavailable(fmt.Errorf("wait for writes to be durable: %d of %d replicas within %v", n, replicas, timeout))
		}
	}
	return nil
}

// clusterProbes finds, for every master of a cluster, a probe key that lives
// on it: P:durable:{N} for the first N the slot map puts there.
func (s *Store) clusterProbes(ctx context.Context, cc *redis.ClusterClient) (map[string]string, error) {
	s.probeMu.Lock()
	defer s.probeMu.Unlock()
	if s.probes != nil {
		return s.probes, nil
	}
	masters := map[string]bool{}
	var mu sync.Mutex
	if err := cc.ForEachMaster(ctx, func(ctx context.Context, node *redis.Client) error {
		mu.Lock()
		masters[node.Options().Addr] = true
		mu.Unlock()
		return nil
	}); err != nil {
		return nil, fault.Redis("list the cluster's masters", err)
	}
	probes := map[string]string{}
	for i := 0; len(probes) < len(masters) && i < 100000; i++ {
		key := s.prefix + ":durable:{" + strconv.Itoa(i) + "}"
		node, err := cc.MasterForKey(ctx, key)
		if err != nil {
			return nil, fault.Redis("find the cluster's masters", err)
		}
		if addr := node.Options().Addr; masters[addr] && probes[addr] == "" {
			probes[addr] = key
		}
	}
	if len(probes) < len(masters) {
		return nil, errors.New("wait for writes to be durable: no probe key for every master")
	}
	s.probes = probes
	return probes, nil
}

// groupCommit shares one durability wait among the callers that come while
// the wait before theirs runs: each caller joins the next round, whose wait
// starts after the caller's own writes.
type groupCommit struct {
	wait    func(ctx context.Context) error
	timeout time.Duration // of one wait

	mu      sync.Mutex
	next    *round
	running bool
}

type round struct {
	done chan struct{}
	err  error
}

func (g *groupCommit) waitFor(ctx context.Context) error {
	g.mu.Lock()
	r := g.next
	if r == nil {
		r = &round{done: make(chan struct{})}
		g.next = r
	}
	if !g.running {
		g.running = true
		go g.loop()
	}
	g.mu.Unlock()
	select {
	case <-r.done:
		return r.err
	case <-ctx.Done():
		return fault.Unavailable(fmt.Errorf("wait for writes to be durable: %w", ctx.Err()))
	}
}

// loop runs rounds until none is waiting.
func (g *groupCommit) loop() {
	for {
		g.mu.Lock()
		r := g.next
		g.next = nil
		if r == nil {
			g.running = false
			g.mu.Unlock()
			return
		}
		g.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), g.timeout)
		r.err = g.wait(ctx)
		cancel()
		close(r.done)
	}
}
