package redisstore

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"frontdesk/fault"
)

// Check is the readiness probe: a write where frontdesk writes — the desk's
// slot, and on a cluster every master (attachments' bytes spread over
// them) — so that a Redis that answers PING but refuses writes (full at its
// maxmemory, a replica after a failover, a cluster without its slots) is not
// ready. A full Redis fails with fault.ErrFull.
func (s *Store) Check(ctx context.Context) error {
	now := strconv.FormatInt(time.Now().UnixMilli(), 10)
	cc, ok := s.rdb.(*redis.ClusterClient)
	if !ok {
		return fault.Redis("write the readiness probe", s.rdb.Set(ctx, s.base+"ready", now, time.Minute).Err())
	}
	err := s.onEveryMaster(ctx, cc, "write the readiness probe", func(ctx context.Context, node *redis.Client, probe string) error {
		return fault.Redis("write the readiness probe on "+node.Options().Addr, node.Set(ctx, probe, now, time.Minute).Err())
	})
	return fault.Redis("write the readiness probe", err)
}

// MemoryUsed is how full Redis is: used_memory over maxmemory, the fullest
// master's on a cluster; 0 when no maxmemory is set.
func (s *Store) MemoryUsed(ctx context.Context) (float64, error) {
	ratio := func(info string) float64 {
		var used, limit float64
		for _, line := range strings.Split(info, "\n") {
			k, v, _ := strings.Cut(strings.TrimSpace(line), ":")
			switch k {
			case "used_memory":
				used, _ = strconv.ParseFloat(v, 64)
			case "maxmemory":
				limit, _ = strconv.ParseFloat(v, 64)
			}
		}
		if limit <= 0 {
			return 0
		}
		return used / limit
	}
	cc, ok := s.rdb.(*redis.ClusterClient)
	if !ok {
		info, err := s.rdb.Info(ctx, "memory").Result()
		if err != nil {
			return 0, fault.Redis("read Redis's memory use", err)
		}
		return ratio(info), nil
	}
	var mu sync.Mutex
	var most float64
	err := cc.ForEachMaster(ctx, func(ctx context.Context, node *redis.Client) error {
		info, err := node.Info(ctx, "memory").Result()
		if err != nil {
			return err
		}
		mu.Lock()
		most = max(most, ratio(info))
		mu.Unlock()
		return nil
	})
	return most, fault.Redis("read Redis's memory use", err)
}

// onEveryMaster runs fn on every master of a cluster at once, with the key
// of that master's probe (clusterProbes), and returns the first error. An
// error drops the probes, which are found anew next time: the slots may
// have moved.
func (s *Store) onEveryMaster(ctx context.Context, cc *redis.ClusterClient, what string,
	fn func(ctx context.Context, node *redis.Client, probe string) error) error {
	probes, err := s.clusterProbes(ctx, cc)
	if err != nil {
		return err
	}
	var mu sync.Mutex
	var first error
	err = cc.ForEachMaster(ctx, func(ctx context.Context, node *redis.Client) error {
		probe, ok := probes[node.Options().Addr]
		if !ok {
			return fault.Unavailable(fmt.Errorf("%s: no probe key for master %s", what, node.Options().Addr))
		}
		if err := fn(ctx, node, probe); err != nil {
			mu.Lock()
			first = firstErr(first, err)
			mu.Unlock()
		}
		return nil
	})
	if err == nil {
		err = first
	}
	if err != nil {
		s.probeMu.Lock()
		s.probes = nil
		s.probeMu.Unlock()
	}
	return err
}
