package redisstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"frontdesk/ticket"
)

// cannedPutScript stores a version of the canned replies (lua/canned_put.lua).
var cannedPutScript = redis.NewScript(luaScript("canned_put"))

// CannedReplies returns the canned replies in force with their version, read
// from one hash under the desk's hash tag.
func (s *Store) CannedReplies(ctx context.Context) (ticket.CannedSet, error) {
	v, err := s.rdb.HMGet(ctx, s.key("canned"), "version", "replies", "at", "by").Result()
	if err != nil {
		return ticket.CannedSet{}, wrap("read the canned replies", err)
	}
	set := ticket.CannedSet{Replies: []ticket.CannedReply{}}
	str := func(x any) string { s, _ := x.(string); return s }
	if str(v[0]) == "" {
		return set, nil
	}
	set.Version, _ = strconv.Atoi(str(v[0]))
	if err := json.Unmarshal([]byte(str(v[1])), &set.Replies); err != nil {
		return ticket.CannedSet{}, fmt.Errorf("read the canned replies: version %d: %w", set.Version, err)
	}
	if set.Replies == nil {
		set.Replies = []ticket.CannedReply{}
	}
	set.At, _ = time.Parse(time.RFC3339Nano, str(v[2]))
	set.By = str(v[3])
	return set, nil
}

// ReplaceCanned stores replies as the next version of the canned replies,
// in one script; with expect >= 0 only while version expect is current
// (fault.ErrConflict otherwise).
func (s *Store) ReplaceCanned(ctx context.Context, replies []ticket.CannedReply, by string, expect int) (int, error) {
	if replies == nil {
		replies = []ticket.CannedReply{}
	}
	b, err := json.Marshal(replies)
	if err != nil {
		return 0, fmt.Errorf("store the canned replies: %w", err)
	}
	n, err := cannedPutScript.Run(ctx, s.rdb, []string{s.key("canned")}, s.base, b, rfc(s.now()), by, expect).Int()
	if err != nil {
		return 0, wrap("store the canned replies", err)
	}
	return n, nil
}
