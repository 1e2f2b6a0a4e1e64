package testredis

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"
)

// Traces scans every key matching match (e.g. "PREFIX*") and reports each
// place where one of the needles occurs, case-insensitively: in a key's
// name, a string's value, a hash's fields and values, a list's, set's or
// sorted set's members. It reads every key whole; for tests of erasure, which
// must leave no trace of what was erased. Each finding reads "KEY (where):
// needle".
func Traces(ctx context.Context, rdb redis.UniversalClient, match string, needles ...string) ([]string, error) {
	var keys []string
	scan := func(ctx context.Context, c redis.Cmdable) error {
		it := c.Scan(ctx, 0, match, 1000).Iterator()
		for it.Next(ctx) {
			keys = append(keys, it.Val())
		}
		return it.Err()
	}
	if cc, ok := rdb.(*redis.ClusterClient); ok {
		if err := cc.ForEachMaster(ctx, func(ctx context.Context, n *redis.Client) error { return scan(ctx, n) }); err != nil {
			return nil, err
		}
	} else if err := scan(ctx, rdb); err != nil {
		return nil, err
	}
	lower := make([][]byte, len(needles))
	for i, n := range needles {
		lower[i] = bytes.ToLower([]byte(n))
	}
	var found []string
	look := func(key, where, v string) {
		lv := bytes.ToLower([]byte(v))
		for i, n := range lower {
			if len(n) > 0 && bytes.Contains(lv, n) {
				found = append(found, fmt.Sprintf("%s (%s): %s", key, where, needles[i]))
			}
		}
	}
	for _, k := range keys {
		look(k, "name", k)
		typ, err := rdb.Type(ctx, k).Result()
		if err != nil {
			return nil, err
		}
		var vals []string
		switch typ {
		case "string":
			v, err := rdb.Get(ctx, k).Result()
			if err != nil && err != redis.Nil {
				return nil, err
			}
			vals = []string{v}
		case "hash":
			m, err := rdb.HGetAll(ctx, k).Result()
			if err != nil {
				return nil, err
			}
			for f, v := range m {
				vals = append(vals, f, v)
			}
		case "list":
			if vals, err = rdb.LRange(ctx, k, 0, -1).Result(); err != nil {
				return nil, err
			}
		case "set":
			if vals, err = rdb.SMembers(ctx, k).Result(); err != nil {
				return nil, err
			}
		case "zset":
			if vals, err = rdb.ZRange(ctx, k, 0, -1).Result(); err != nil {
				return nil, err
			}
		case "none":
		default:
			vals = []string{"(a " + typ + ", not read)"}
		}
		look(k, typ, strings.Join(vals, "\x00"))
	}
	return found, nil
}

// Keys returns every key matching match.
func Keys(ctx context.Context, rdb redis.UniversalClient, match string) ([]string, error) {
	var keys []string
	it := rdb.Scan(ctx, 0, match, 1000).Iterator()
	for it.Next(ctx) {
		keys = append(keys, it.Val())
	}
	return keys, it.Err()
}
