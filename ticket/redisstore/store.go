// Package redisstore keeps frontdesk's tickets in Redis: a ticket.Store on a
// go-redis UniversalClient, so on a single node, behind Sentinel, or on Redis
// Cluster.
//
// Every ticket record, queue and index lives under one hash tag,
// "PREFIX:{desk}:", so each change (create, claim, release…) is one Lua script:
// one round trip, atomic, and on Cluster inside one hash slot. Attachment bytes,
// the bulk of the data, live in keys with a hash tag of their own,
// "PREFIX:blob:{ID}", spread across a cluster; they are written before the script
// that makes them visible, under ids derived from the source key and content, so
// that a retry after a crash writes the same keys again. docs/redis-keys.md
// describes the layout.
package redisstore

import (
	"embed"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"frontdesk/fault"
	"frontdesk/ticket"
)

// Options configure a Store. A nil *Options is equivalent to a zero Options.
type Options struct {
	// Prefix starts every key; "frontdesk" when empty.
	Prefix string
	// AttachmentMaxSize is the largest attachment whose bytes are kept; larger
	// ones are recorded as omitted. 25 MB when zero.
	AttachmentMaxSize int64
	// Logger receives the store's logs; slog.Default() when nil.
	Logger *slog.Logger
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// MinReplicas is how many replicas must have a write before Durable
	// returns (redis.min_replicas); 0 relies on the server's own AOF.
	MinReplicas int
	// DurableTimeout bounds one wait of Durable; 5 s when zero.
	DurableTimeout time.Duration
}

// Store is a ticket.Store on Redis. It is safe for concurrent use, also by
// several processes on the same Redis.
type Store struct {
	rdb     redis.UniversalClient
	prefix  string
	base    string // prefix + ":{desk}:"
	maxAtt  int64
	logger  *slog.Logger
	now     func() time.Time
	scripts scripts
	// beforeStep, when set (by tests), runs before each step of a multi-step
	// operation and aborts it with its error: the fault injection point.
	beforeStep func(step string) error

	// Durability (durable.go): what the server offers, found on first use;
	// the waits callers share; the cluster's probe keys.
	minReplicas    int
	durableTimeout time.Duration
	group          groupCommit
	durableMu      sync.Mutex
	found          *durability
	probeMu        sync.Mutex
	probes         map[string]string
}

var _ ticket.Store = (*Store)(nil)

// New returns a Store on rdb.
func New(rdb redis.UniversalClient, opts *Options) *Store {
	if opts == nil {
		opts = &Options{}
	}
	s := &Store{rdb: rdb, prefix: opts.Prefix, maxAtt: opts.AttachmentMaxSize, logger: opts.Logger, now: opts.Now,
		minReplicas: opts.MinReplicas, durableTimeout: opts.DurableTimeout}
	if s.durableTimeout <= 0 {
		s.durableTimeout = defaultDurableTimeout
	}
	s.group.wait, s.group.timeout = s.makeDurable, s.durableTimeout+2*time.Second
	if s.prefix == "" {
		s.prefix = "frontdesk"
	}
	if s.maxAtt <= 0 {
		s.maxAtt = 25 * 1000 * 1000
	}
	if s.logger == nil {
		s.logger = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.base = s.prefix + ":{desk}:"
	s.scripts = loadScripts()
	return s
}

func (s *Store) key(parts ...string) string { return s.base + strings.Join(parts, ":") }

func (s *Store) ticketKey(id string) string { return s.base + "ticket:" + id }

// blobKey is where an attachment's bytes live: a hash tag of their own, so that
// attachments spread over a cluster's slots.
func (s *Store) blobKey(attachmentID string) string {
	return s.prefix + ":blob:{" + attachmentID + "}"
}

func (s *Store) step(name string) error {
	if s.beforeStep == nil {
		return nil
	}
	return s.beforeStep(name)
}

//go:embed lua/*.lua
var luaFiles embed.FS

type scripts struct {
	create, append, claim, change, expire, event, get, list, stats, delivery, transcript, attach, link, unlink, customer, customerEdit, breach, reroute, waiting, channels,
	outboxTake, outboxSettle, outboxRenew, snooze, wake, merge, callback, callbacks *redis.Script
	searchDrop, reportRead, reportPack, feedback *redis.Script
}

// loadScripts joins each script with the shared prelude of helpers.
func loadScripts() scripts {
	prelude := prelude()
	script := func(name string) *redis.Script { return redis.NewScript(prelude + "\n" + luaScript(name)) }
	return scripts{
		create: script("create"), append: script("append"), claim: script("claim"),
		change: script("change"), expire: script("expire"), event: script("event"),
		get: script("get"), list: script("list"), stats: script("stats"), delivery: script("delivery"),
		transcript: script("transcript"), attach: script("attach"), link: script("link"),
		unlink: script("unlink"), customer: script("customer"), customerEdit: script("customer_edit"),
		breach: script("breach"), reroute: script("reroute"), waiting: script("waiting"),
		channels: script("channels"), outboxTake: script("outbox_take"), outboxSettle: script("outbox_settle"),
		outboxRenew: script("outbox_renew"), snooze: script("snooze"), wake: script("wake"), merge: script("merge"),
		callback: script("callback"), callbacks: script("callbacks"),
		searchDrop: script("search_drop"),
		reportRead: script("report_read"), reportPack: script("report_pack"), feedback: script("feedback"),
	}
}

// wrap turns a Redis failure into the store's error kinds: a script's
// "NOTFOUND …" and "CONFLICT …" answers become fault.ErrNotFound and
// fault.ErrConflict, anything else means Redis could not do the work and is
// marked unavailable so callers retry.
func wrap(what string, err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	switch {
	case strings.HasPrefix(msg, "NOTFOUND "):
		return fmt.Errorf("%s: %s: %w", what, strings.TrimPrefix(msg, "NOTFOUND "), fault.ErrNotFound)
	case strings.HasPrefix(msg, "CONFLICT "):
		return fmt.Errorf("%s: %s: %w", what, strings.TrimPrefix(msg, "CONFLICT "), fault.ErrConflict)
	}
	return fault.Redis(what, err)
}

func ms(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }

func rfc(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func parseMS(s string) time.Time {
	if s == "" { // most tickets have no lease or deadline: no error to allocate
		return time.Time{}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}
	}
	return time.UnixMilli(n).UTC()
}

// validID rejects ids that could not be ticket ids before they reach a key name.
func validID(id string) error {
	if id == "" || len(id) > 20 {
		return fmt.Errorf("ticket id %q: %w", id, fault.ErrInvalid)
	}
	for _, r := range id {
		if r < '0' || r > '9' {
			return fmt.Errorf("ticket id %q: %w", id, fault.ErrInvalid)
		}
	}
	return nil
}
