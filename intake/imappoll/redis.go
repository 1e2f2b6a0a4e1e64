package imappoll

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"frontdesk/fault"

	"github.com/redis/go-redis/v9"
)

// keys names one mailbox's Redis keys (see the package comment).
type keys struct {
	lease, state, failures, reconcile string
}

func newKeys(prefix, mailbox string) keys {
	base := prefix + ":imap:{" + mailbox + "}:"
	return keys{lease: base + "lease", state: base + "state", failures: base + "failures", reconcile: base + "reconcile"}
}

// errLeaseLost: another instance holds the mailbox's lease now.
var errLeaseLost = errors.New("mailbox lease lost")

// acquireScript takes the lease when it is free, extends it when this
// instance holds it, and otherwise answers who holds it and for how long.
// KEYS[1] lease; ARGV[1] instance, ARGV[2] TTL in ms.
// Returns {1} or {0, holder, pttl}.
var acquireScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if not v then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return {1}
end
if v == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return {1}
end
return {0, v, redis.call('PTTL', KEYS[1])}
`)

// releaseScript deletes the lease when this instance holds it.
// KEYS[1] lease; ARGV[1] instance.
var releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`)

// advanceScript writes the mailbox state and forgets the failure counts of
// imported mails, only while this instance holds the lease.
// KEYS[1] lease, KEYS[2] state, KEYS[3] failures; ARGV[1] instance,
// ARGV[2] uidvalidity, ARGV[3] last_uid, ARGV[4] last_date, ARGV[5…] failure
// fields to delete. Returns 1, or 0 when the lease is not held.
var advanceScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
redis.call('HSET', KEYS[2], 'uidvalidity', ARGV[2], 'last_uid', ARGV[3], 'last_date', ARGV[4])
if #ARGV > 4 then
  redis.call('HDEL', KEYS[3], unpack(ARGV, 5))
end
return 1
`)

// leaseState is the answer to an acquire.
type leaseState struct {
	held   bool
	holder string        // when not held
	ttl    time.Duration // the holder's remaining time, when not held
}

func (p *Poller) acquireLease(ctx context.Context) (leaseState, error) {
	res, err := acquireScript.Run(ctx, p.rdb, []string{p.keys.lease},
		p.instance, p.opts.LeaseTTL.Milliseconds()).Slice()
	if err != nil {
		return leaseState{}, fault.Redis("acquire lease", err)
	}
	if len(res) > 0 && res[0] == int64(1) {
		return leaseState{held: true}, nil
	}
	var st leaseState
	if len(res) == 3 {
		st.holder, _ = res[1].(string)
		if ms, ok := res[2].(int64); ok && ms > 0 {
			st.ttl = time.Duration(ms) * time.Millisecond
		}
	}
	return st, nil
}

func (p *Poller) releaseLease(ctx context.Context) error {
	if err := releaseScript.Run(ctx, p.rdb, []string{p.keys.lease}, p.instance).Err(); err != nil {
		return fault.Redis("release lease", err)
	}
	return nil
}

// state is what Redis remembers of a mailbox between runs.
type state struct {
	exists      bool
	uidValidity uint32
	lastUID     uint32
	lastDate    int64 // unix seconds; 0 when unknown
}

func (p *Poller) loadState(ctx context.Context) (state, error) {
	m, err := p.rdb.HGetAll(ctx, p.keys.state).Result()
	if err != nil {
		return state{}, fault.Redis("load mailbox state", err)
	}
	if len(m) == 0 {
		return state{}, nil
	}
	v, err1 := strconv.ParseUint(m["uidvalidity"], 10, 32)
	last, err2 := strconv.ParseUint(m["last_uid"], 10, 32)
	if err := errors.Join(err1, err2); err != nil {
		return state{}, fmt.Errorf("load mailbox state %s: %w", p.keys.state, err)
	}
	date, _ := strconv.ParseInt(m["last_date"], 10, 64)
	return state{exists: true, uidValidity: uint32(v), lastUID: uint32(last), lastDate: date}, nil
}

// saveState writes st and deletes the failure counts of the given UIDs, if
// this instance still holds the lease.
func (p *Poller) saveState(ctx context.Context, st state, imported []uint32) error {
	args := []any{p.instance, st.uidValidity, st.lastUID, st.lastDate}
	for _, uid := range imported {
		args = append(args, failureField(st.uidValidity, uid))
	}
	n, err := advanceScript.Run(ctx, p.rdb, []string{p.keys.lease, p.keys.state, p.keys.failures}, args...).Int()
	if err != nil {
		return fault.Redis("save mailbox state", err)
	}
	if n == 0 {
		return errLeaseLost
	}
	return nil
}

func failureField(uidValidity, uid uint32) string {
	return strconv.FormatUint(uint64(uidValidity), 10) + ":" + strconv.FormatUint(uint64(uid), 10)
}

// loadFailures reads the failure counts of the given UIDVALIDITY.
func (p *Poller) loadFailures(ctx context.Context, uidValidity uint32) (map[uint32]int, error) {
	m, err := p.rdb.HGetAll(ctx, p.keys.failures).Result()
	if err != nil {
		return nil, fault.Redis("load failure counts", err)
	}
	out := make(map[uint32]int)
	var stale []string
	for field, count := range m {
		var v, uid uint32
		if _, err := fmt.Sscanf(field, "%d:%d", &v, &uid); err != nil || v != uidValidity {
			stale = append(stale, field) // of an earlier UIDVALIDITY
			continue
		}
		n, err := strconv.Atoi(count)
		if err != nil {
			continue
		}
		out[uid] = n
	}
	if len(stale) > 0 {
		if err := p.rdb.HDel(ctx, p.keys.failures, stale...).Err(); err != nil {
			return nil, fault.Redis("delete stale failure counts", err)
		}
	}
	return out, nil
}

// countFailure adds one to the failure count of uid and returns it.
func (p *Poller) countFailure(ctx context.Context, uidValidity, uid uint32) (int, error) {
	n, err := p.rdb.HIncrBy(ctx, p.keys.failures, failureField(uidValidity, uid), 1).Result()
	if err != nil {
		return 0, fault.Redis("count failure", err)
	}
	return int(n), nil
}

// cursorScript writes how far reconciliation got in a folder, only while
// this instance holds the lease.
// KEYS[1] lease, KEYS[2] reconcile; ARGV[1] instance, ARGV[2] folder,
// ARGV[3] "UIDVALIDITY:UID". Returns 1, or 0 when the lease is not held.
var cursorScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
return 1
`)

// loadCursor reads the last UID reconciliation checked in folder in the
// pass under way; 0 to start a pass, also when the folder's UIDVALIDITY
// changed.
func (p *Poller) loadCursor(ctx context.Context, folder string, uidValidity uint32) (uint32, error) {
	v, err := p.rdb.HGet(ctx, p.keys.reconcile, folder).Result()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	if err != nil {
		return 0, fault.Redis("load reconciliation cursor", err)
	}
	var validity, uid uint32
	if _, err := fmt.Sscanf(v, "%d:%d", &validity, &uid); err != nil || validity != uidValidity {
		return 0, nil
	}
	return uid, nil
}

// saveCursor records how far reconciliation got in folder.
func (p *Poller) saveCursor(ctx context.Context, folder string, uidValidity, uid uint32) error {
	n, err := cursorScript.Run(ctx, p.rdb, []string{p.keys.lease, p.keys.reconcile},
		p.instance, folder, failureField(uidValidity, uid)).Int()
	if err != nil {
		return fault.Redis("save reconciliation cursor", err)
	}
	if n == 0 {
		return errLeaseLost
	}
	return nil
}
