// Package rulestore keeps the versioned rule set in Redis, so that every
// instance routes by the same rules and an administrator can see and undo a
// change. Each change is a new numbered version (a rollback too); the last
// 100 versions are kept. The store does not read the rules: it holds them as
// opaque JSON, and the caller (package routing) validates them before Put.
package rulestore

import (
	"bytes"
	"cmp"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"frontdesk/fault"

	"github.com/redis/go-redis/v9"
)

// Keep is how many versions the store keeps; older ones are deleted as new
// ones are stored.
const Keep = 100

// ErrNotFound: no version is stored yet, or not the one asked for. It wraps
// fault.ErrNotFound.
var ErrNotFound = fmt.Errorf("rule set %w", fault.ErrNotFound)

// Version is one stored version of the rule set. Its JSON is the answer of
// GET /api/v1/rules (with at, by and note besides).
type Version struct {
	Number int             `json:"version"`
	Rules  json.RawMessage `json:"rules"`
	At     time.Time       `json:"at"`
	By     string          `json:"by"`
	Note   string          `json:"note,omitempty"` // e.g. "rollback to 3"
}

// record is a version as stored: its number is the hash field.
type record struct {
	Rules json.RawMessage `json:"rules"`
	At    time.Time       `json:"at"`
	By    string          `json:"by"`
	Note  string          `json:"note,omitempty"`
}

// Store keeps the rule set under PREFIX:rules:{rules}:…. The one hash tag puts
// its keys in one Redis Cluster slot, so storing a version is one atomic
// script. A Store is safe for concurrent use.
type Store struct {
	rdb  redis.UniversalClient
	base string // "PREFIX:rules:{rules}:"
	now  func() time.Time
}

// New returns the rule store under prefix ("frontdesk" when empty).
func New(rdb redis.UniversalClient, prefix string) *Store {
	if prefix == "" {
		prefix = "frontdesk"
	}
	return &Store{rdb: rdb, base: prefix + ":rules:{rules}:", now: time.Now}
}

func (s *Store) seqKey() string      { return s.base + "seq" }
func (s *Store) versionsKey() string { return s.base + "versions" }
func (s *Store) currentKey() string  { return s.base + "current" }

//go:embed lua/*.lua
var luaFiles embed.FS

func script(name string) *redis.Script {
	b, err := luaFiles.ReadFile("lua/" + name + ".lua")
	if err != nil {
		panic(fmt.Sprintf("rulestore: embedded script %s: %v", name, err))
	}
	return redis.NewScript(string(b))
}

var (
	putScript     = script("put")
	currentScript = script("current")
)

// Current returns the version in effect; ErrNotFound when none was stored yet.
func (s *Store) Current(ctx context.Context) (Version, error) {
	res, err := currentScript.Run(ctx, s.rdb, []string{s.currentKey(), s.versionsKey()}).Slice()
	if errors.Is(err, redis.Nil) {
		return Version{}, fmt.Errorf("current rule set: %w", ErrNotFound)
	}
	if err != nil {
		return Version{}, fault.Redis("current rule set", err)
	}
	n, _ := res[0].(int64)
	raw, _ := res[1].(string)
	if raw == "" {
		return Version{}, fmt.Errorf("current rule set: version %d has no record", n)
	}
	return decode(int(n), raw)
}

// currentNumber is the number of the version in effect, 0 when none.
func (s *Store) currentNumber(ctx context.Context) (int, error) {
	n, err := s.rdb.Get(ctx, s.currentKey()).Int()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	if err != nil {
		return 0, fault.Redis("current rule set version", err)
	}
	return n, nil
}

// Get returns version n; ErrNotFound when it was never stored or is no
// longer kept.
func (s *Store) Get(ctx context.Context, n int) (Version, error) {
	if n <= 0 {
		return Version{}, fmt.Errorf("rule set version %d: %w", n, ErrNotFound)
	}
	raw, err := s.rdb.HGet(ctx, s.versionsKey(), strconv.Itoa(n)).Result()
	if errors.Is(err, redis.Nil) {
		return Version{}, fmt.Errorf("rule set version %d: %w", n, ErrNotFound)
	}
	if err != nil {
		return Version{}, fault.Redis(fmt.Sprintf("rule set version %d", n), err)
	}
	return decode(n, raw)
}

// History returns up to limit kept versions, newest first; limit <= 0 means
// all that are kept.
func (s *Store) History(ctx context.Context, limit int) ([]Version, error) {
	all, err := s.rdb.HGetAll(ctx, s.versionsKey()).Result()
	if err != nil {
		return nil, fault.Redis("rule set history", err)
	}
	vs := make([]Version, 0, len(all))
	for field, raw := range all {
		n, err := strconv.Atoi(field)
		if err != nil {
			return nil, fmt.Errorf("rule set history: version field %q", field)
		}
		v, err := decode(n, raw)
		if err != nil {
			return nil, err
		}
		vs = append(vs, v)
	}
	slices.SortFunc(vs, func(a, b Version) int { return cmp.Compare(b.Number, a.Number) })
	if limit > 0 && len(vs) > limit {
		vs = vs[:limit]
	}
	return vs, nil
}

// Put stores rules as a new version, one above the current one, and makes it
// current; it returns the new number. rules must be valid JSON
// (fault.ErrInvalid otherwise); their meaning is the caller's to check.
func (s *Store) Put(ctx context.Context, rules json.RawMessage, by, note string) (int, error) {
	n, _, err := s.put(ctx, rules, by, note, false, 0)
	return n, err
}

// PutIf is Put when version expect is the current one, and a
// fault.ErrConflict naming the current version otherwise: a change based on
// a version someone else has replaced meanwhile is refused, not lost.
func (s *Store) PutIf(ctx context.Context, rules json.RawMessage, by, note string, expect int) (int, error) {
	if expect <= 0 {
		return 0, fmt.Errorf("store rule set: %w: expected version %d must be positive", fault.ErrInvalid, expect)
	}
	n, stored, err := s.put(ctx, rules, by, note, false, expect)
	if err != nil {
		return 0, err
	}
	if !stored {
		return 0, fmt.Errorf("store rule set: %w: it was based on version %d, but version %d is in force now", fault.ErrConflict, expect, n)
	}
	return n, nil
}

// PutIfNone stores rules as version 1 only when no version is stored yet: for
// loading the rules file at start, so that instances starting together load
// it once. It returns the current version's number and whether it stored it.
func (s *Store) PutIfNone(ctx context.Context, rules json.RawMessage, by string) (int, bool, error) {
	return s.put(ctx, rules, by, "", true, 0)
}

// Rollback restores version n's rules as a new version, noted "rollback to
// n", and returns the new number.
func (s *Store) Rollback(ctx context.Context, n int, by string) (int, error) {
	v, err := s.Get(ctx, n)
	if err != nil {
		return 0, fmt.Errorf("roll back: %w", err)
	}
	return s.Put(ctx, v.Rules, by, fmt.Sprintf("rollback to %d", n))
}

func (s *Store) put(ctx context.Context, rules json.RawMessage, by, note string, ifNone bool, expect int) (int, bool, error) {
	var compact bytes.Buffer
	if err := json.Compact(&compact, rules); err != nil {
		return 0, false, fmt.Errorf("store rule set: %w: %v", fault.ErrInvalid, err)
	}
	rec, err := json.Marshal(record{Rules: compact.Bytes(), At: s.now().UTC(), By: by, Note: note})
	if err != nil {
		return 0, false, fmt.Errorf("store rule set: %w", err)
	}
	only := "0"
	if ifNone {
		only = "1"
	}
	keys := []string{s.seqKey(), s.versionsKey(), s.currentKey()}
	res, err := putScript.Run(ctx, s.rdb, keys, rec, Keep, only, expect).Int64Slice()
	if err != nil {
		return 0, false, fault.Redis("store rule set", err)
	}
	if len(res) != 2 {
		return 0, false, fmt.Errorf("store rule set: unexpected answer %v", res)
	}
	return int(res[0]), res[1] == 1, nil
}

func decode(n int, raw string) (Version, error) {
	var r record
	if err := json.Unmarshal([]byte(raw), &r); err != nil {
		return Version{}, fmt.Errorf("decode rule set version %d: %w", n, err)
	}
	return Version{Number: n, Rules: r.Rules, At: r.At, By: r.By, Note: r.Note}, nil
}
