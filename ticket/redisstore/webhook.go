package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"frontdesk/fault"
	"frontdesk/ticket"
)

// HookLogSize is how many attempts each webhook's delivery log keeps.
const HookLogSize = 200

// hookScripts are the webhook delivery scripts (the recording is in
// hooks.lua, part of every script's prelude).
type hookScripts struct{ take, settle, register, revive *redis.Script }

var (
	hookScriptsOnce sync.Once
	hookScriptSet   hookScripts
)

func loadHookScripts() hookScripts {
	hookScriptsOnce.Do(func() {
		read := func(name string) string {
			b, err := luaFiles.ReadFile("lua/" + name + ".lua")
			if err != nil {
				panic(fmt.Sprintf("redisstore: embedded script %s: %v", name, err))
			}
			return string(b)
		}
		prelude := read("prelude") + "\n" + read("hooks") + "\n"
		hookScriptSet = hookScripts{
			take:     redis.NewScript(prelude + read("hook_take")),
			settle:   redis.NewScript(prelude + read("hook_settle")),
			register: redis.NewScript(prelude + read("hook_register")),
			revive:   redis.NewScript(prelude + read("hook_revive")),
		}
	})
	return hookScriptSet
}

func (s *Store) hookKey(hook string, parts ...string) string {
	return s.base + "hook:" + hook + ":" + strings.Join(parts, ":")
}

// validHook rejects what could not be a hook id before it reaches a key.
func validHook(hook string) error {
	if hook == "" || len(hook) > 64 || strings.ContainsAny(hook, " {}:") {
		return fmt.Errorf("webhook id %q: %w", hook, fault.ErrInvalid)
	}
	return nil
}

// RegisterHooks says which events each webhook wants (hook id → event
// names), replacing what was registered before: from now on every change to
// a ticket records the events the hooks want, in the same script. An empty
// map records nothing more.
func (s *Store) RegisterHooks(ctx context.Context, hooks map[string][]string) error {
	args := []any{s.base}
	for id, events := range hooks {
		if err := validHook(id); err != nil {
			return err
		}
		args = append(args, id, " "+strings.Join(events, " ")+" ")
	}
	err := loadHookScripts().register.Run(ctx, s.rdb, []string{s.key("hooks")}, args...).Err()
	return wrap("register webhooks", err)
}

// hookEntry is an event as hooks.lua records it.
type hookEntry struct {
	Seq      int64           `json:"seq"`
	Event    string          `json:"event"`
	At       string          `json:"at"`
	By       string          `json:"by"`
	Fields   []string        `json:"fields"`
	Customer json.RawMessage `json:"customer"` // a list of pairs, or {} when empty
}

// TakeHookEvent gives the worker the webhook event due first for hook, under
// a lease of the given length by Redis's clock: the oldest undelivered event
// of a ticket, never one whose earlier event is not settled. It returns an
// error wrapping fault.ErrNotFound when none is due.
func (s *Store) TakeHookEvent(ctx context.Context, hook string, lease time.Duration, hold string) (ticket.HookEvent, error) {
	if err := validHook(hook); err != nil {
		return ticket.HookEvent{}, err
	}
	what := "take webhook event for " + hook
	v, err := loadHookScripts().take.Run(ctx, s.rdb, []string{s.hookKey(hook, "due")},
		s.base, hook, lease.Milliseconds(), hold, HookLogSize).StringSlice()
	if errors.Is(err, redis.Nil) {
		return ticket.HookEvent{}, fmt.Errorf("%s: none due: %w", what, fault.ErrNotFound)
	}
	if err != nil {
		return ticket.HookEvent{}, wrap(what, err)
	}
	if len(v) != 4 {
		return ticket.HookEvent{}, fmt.Errorf("%s: unexpected reply %q", what, v)
	}
	var e hookEntry
	if err := json.Unmarshal([]byte(v[1]), &e); err != nil {
		return ticket.HookEvent{}, fmt.Errorf("%s: decode event of ticket %s: %w", what, v[0], err)
	}
	attempt, _ := strconv.Atoi(v[2])
	at, _ := time.Parse(time.RFC3339Nano, e.At)
	fields := make([]any, len(e.Fields))
	for i, f := range e.Fields {
		fields[i] = f
	}
	var pairs []string
	_ = json.Unmarshal(e.Customer, &pairs) // {} is Lua's empty table: no customer
	customer := make([]any, len(pairs))
	for i, f := range pairs {
		customer[i] = f
	}
	t := decodeTicket(fields, customer)
	return ticket.HookEvent{Hook: hook, TicketID: v[0], Seq: e.Seq, Event: e.Event, At: at, By: e.By,
		Ticket: *t, Attempt: attempt, Hold: v[3]}, nil
}

// SettleHookEvent records how an attempt at e ended: delivered, the ticket's
// next event is due at once; failed, e is due again after o.RetryIn, or is
// given up on (dead) once o.MaxAge has passed since it happened. Either way
// the attempt goes into the hook's log. A worker whose lease ran out and
// whose event another took gets an error wrapping fault.ErrConflict.
func (s *Store) SettleHookEvent(ctx context.Context, e ticket.HookEvent, o ticket.HookOutcome) (ticket.HookResult, error) {
	if err := validID(e.TicketID); err != nil {
		return "", err
	}
	if err := validHook(e.Hook); err != nil {
		return "", err
	}
	result := ticket.HookFailed
	if o.Delivered {
		result = ticket.HookDelivered
	}
	got, err := loadHookScripts().settle.Run(ctx, s.rdb, []string{s.hookKey(e.Hook, "due")},
		s.base, e.Hook, e.TicketID, e.Hold, e.Seq, string(result), o.Status, o.Duration.Milliseconds(),
		o.Error, max(o.RetryIn, 0).Milliseconds(), o.MaxAge.Milliseconds(), HookLogSize).Text()
	if err != nil {
		return "", wrap(fmt.Sprintf("record webhook delivery %s to %s", e.DeliveryID(), e.Hook), err)
	}
	return ticket.HookResult(got), nil
}

// hookLogEntry is a log entry as the scripts write it.
type hookLogEntry struct {
	At      string  `json:"at"`
	Ticket  string  `json:"ticket"`
	Seq     float64 `json:"seq"`
	Event   string  `json:"event"`
	Attempt float64 `json:"attempt"`
	Result  string  `json:"result"`
	Status  float64 `json:"status"`
	MS      float64 `json:"ms"`
	Error   string  `json:"error"`
}

// HookLog returns the latest attempts to deliver to hook, newest first, at
// most limit (and at most HookLogSize are kept).
func (s *Store) HookLog(ctx context.Context, hook string, limit int) ([]ticket.HookAttempt, error) {
	if err := validHook(hook); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > HookLogSize {
		limit = HookLogSize
	}
	raw, err := s.rdb.LRange(ctx, s.hookKey(hook, "log"), 0, int64(limit-1)).Result()
	if err != nil {
		return nil, wrap("read the delivery log of webhook "+hook, err)
	}
	out := make([]ticket.HookAttempt, 0, len(raw))
	for _, r := range raw {
		var l hookLogEntry
		if err := json.Unmarshal([]byte(r), &l); err != nil {
			continue // not ours to fail on: skip what cannot be read
		}
		at, _ := time.Parse(time.RFC3339Nano, l.At)
		errText := l.Error
		out = append(out, ticket.HookAttempt{At: at, TicketID: l.Ticket,
			Delivery: l.Ticket + "-" + strconv.FormatInt(int64(l.Seq), 10), Event: l.Event,
			Attempt: int(l.Attempt), Result: ticket.HookResult(l.Result), Status: int(l.Status),
			DurationMS: int64(l.MS), Error: errText})
	}
	return out, nil
}

// HookStats counts hook's waiting tickets and its attempts by result.
func (s *Store) HookStats(ctx context.Context, hook string) (ticket.HookStats, error) {
	if err := validHook(hook); err != nil {
		return ticket.HookStats{}, err
	}
	var waiting *redis.IntCmd
	var counts *redis.MapStringStringCmd
	var givenUp *redis.IntCmd
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		waiting = p.ZCard(ctx, s.hookKey(hook, "due"))
		counts = p.HGetAll(ctx, s.hookKey(hook, "stats"))
		givenUp = p.LLen(ctx, s.hookKey(hook, "dead"))
		return nil
	})
	if err != nil {
		return ticket.HookStats{}, wrap("count the deliveries of webhook "+hook, err)
	}
	n := func(k string) int64 { v, _ := strconv.ParseInt(counts.Val()[k], 10, 64); return v }
	return ticket.HookStats{Waiting: waiting.Val(), Delivered: n("delivered"), Failed: n("failed"),
		Dead: n("dead"), Lost: n("lost"), GivenUp: givenUp.Val()}, nil
}

// ReviveHookEvents sends hook's given-up events again, at most limit of
// them, oldest first: each goes to the end of its ticket's list for the
// hook (after the events waiting there), with a new day of retries. Events
// of erased tickets are dropped. It returns how many went back.
func (s *Store) ReviveHookEvents(ctx context.Context, hook string, limit int) (int, error) {
	if err := validHook(hook); err != nil {
		return 0, err
	}
	n, err := loadHookScripts().revive.Run(ctx, s.rdb, []string{s.hookKey(hook, "dead")}, s.base, hook, limit).Int()
	if err != nil {
		return 0, wrap("send the given-up events of webhook "+hook+" again", err)
	}
	return n, nil
}
