package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"frontdesk/fault"
	"frontdesk/ticket"
)

// The erasure scripts: erase.lua runs with the prelude and the search index's
// hook (erase_index.lua, erase_ticket_index), so that one script takes a
// ticket out of everything in the desk's hash slot at once.
var (
	eraseScript          = redis.NewScript(prelude() + "\n" + luaScript("erase_index") + "\n" + luaScript("erase"))
	customerForgetScript = preludeScript("customer_forget")
	erasedEntriesScript  = preludeScript("erased_entries")
)

// EraseTicket erases ticket id in one script (erase.lua): true when it did,
// false when the ticket is not there, was redacted already, or is not due
// (ClosedBefore). The bytes of its attachments and original mails live in
// other hash slots: they are listed as pending, for DrainErased to delete;
// EraseTicket drains them before it returns, and a crash in between leaves
// them listed for the next drain.
func (s *Store) EraseTicket(ctx context.Context, id string, e ticket.Erasure) (bool, error) {
	if err := validID(id); err != nil {
		return false, err
	}
	if e.Mode != ticket.ErasePurge && e.Mode != ticket.EraseRedact {
		return false, fmt.Errorf("erase ticket %s: mode %q: %w", id, e.Mode, fault.ErrInvalid)
	}
	users := e.Users
	if users == nil {
		var err error
		if users, err = s.MentionUsers(ctx); err != nil {
			return false, err
		}
	}
	ub, _ := json.Marshal(users)
	if len(users) == 0 {
		ub = []byte("[]")
	}
	before := "0"
	if !e.ClosedBefore.IsZero() {
		before = ms(e.ClosedBefore)
	}
	// The ticket's words, cut as the search index cut them, so that those
	// only this ticket has leave the index's dictionary with it.
	var terms []string
	switch t, err := s.Get(ctx, id); {
	case err == nil:
		terms = ticketTerms(t)
	case !errors.Is(err, fault.ErrNotFound):
		return false, fmt.Errorf("erase ticket %s: read its words: %w", id, err)
	}
	now := s.now()
	res, err := eraseScript.Run(ctx, s.rdb, []string{s.ticketKey(id)}, s.base, id, string(e.Mode), e.By, before,
		ms(now), rfc(now), s.prefix, string(ub), e.Detail, termsJSON(terms)).Text()
	if err != nil {
		return false, wrap("erase ticket "+id, err)
	}
	if res != "erased" {
		return false, nil
	}
	return true, s.DrainErased(ctx)
}

// drainBatch is how many pending keys one step of DrainErased deletes.
const drainBatch = 200

// DrainErased deletes the keys in other hash slots that erased tickets left
// (erase:pending: attachment bytes, original mails, a call's details), each
// on its own (they may live on other nodes of a cluster), then takes them off
// the list. Deleting twice is harmless, so it is safe to run anywhere, any
// time, also concurrently.
func (s *Store) DrainErased(ctx context.Context) error {
	pending := s.key("erase", "pending")
	for {
		keys, err := s.rdb.SRandMemberN(ctx, pending, drainBatch).Result()
		if err != nil {
			return wrap("read the erased tickets' keys", err)
		}
		if len(keys) == 0 {
			return nil
		}
		if _, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, k := range keys {
				p.Del(ctx, k)
			}
			return nil
		}); err != nil {
			return wrap("delete the erased tickets' attachments", err)
		}
		if err := s.rdb.SRem(ctx, pending, keys).Err(); err != nil {
			return wrap("take the erased tickets' keys off the list", err)
		}
		if len(keys) < drainBatch {
			return nil
		}
	}
}

// MentionUsers returns the names whose mentions lists
// (P:{desk}:mentions:NAME) erasing a ticket takes it off: the desk's users
// (P:accounts:{users}:names; users are disabled, never deleted, and notes
// mention only users). Never nil.
func (s *Store) MentionUsers(ctx context.Context) ([]string, error) {
	names, err := s.rdb.SMembers(ctx, s.prefix+":accounts:{users}:names").Result()
	if err != nil {
		return nil, wrap("list the users for their mentions lists", err)
	}
	if names == nil {
		names = []string{}
	}
	slices.Sort(names)
	return names, nil
}

// CustomerTicketIDs returns the ids of every ticket of customer cid, as the
// customer's ticket lists hold them (the sorted set, and the set that older
// versions kept).
func (s *Store) CustomerTicketIDs(ctx context.Context, cid string) ([]string, error) {
	if err := validCustomerID(cid); err != nil {
		return nil, err
	}
	k := s.key("customer", cid)
	var z *redis.StringSliceCmd
	var old *redis.StringSliceCmd
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		z = p.ZRange(ctx, k+":ticket_ids", 0, -1)
		old = p.SMembers(ctx, k+":tickets")
		return nil
	})
	if err != nil {
		return nil, wrap("list the tickets of customer "+cid, err)
	}
	ids := append(z.Val(), old.Val()...)
	slices.Sort(ids)
	return slices.Compact(ids), nil
}

// ForgetCustomer erases customer cid's record, history and ticket lists and
// the index entries of their addresses and numbers (and of the identities
// in also, which the customer was found by), once every ticket of theirs is
// erased (EraseTicket, redact): fault.ErrConflict before. It returns the
// addresses and numbers the customer had; none when there was no such
// customer (forgotten already).
func (s *Store) ForgetCustomer(ctx context.Context, cid string, also ...ticket.Identity) (emails, phones []string, err error) {
	if err := validCustomerID(cid); err != nil {
		return nil, nil, err
	}
	type ident struct {
		Kind  string `json:"kind"`
		Value string `json:"value"`
	}
	extra := make([]ident, 0, len(also))
	for _, a := range also {
		extra = append(extra, ident{string(a.Kind), a.Value})
	}
	xb, _ := json.Marshal(extra)
	v, err := customerForgetScript.Run(ctx, s.rdb, []string{s.key("customer", cid)}, s.base, cid, string(xb)).StringSlice()
	if err != nil {
		return nil, nil, wrap("forget customer "+cid, err)
	}
	if len(v) < 2 {
		return nil, nil, nil
	}
	_ = json.Unmarshal([]byte(v[0]), &emails)
	_ = json.Unmarshal([]byte(v[1]), &phones)
	return emails, phones, nil
}

// EraseClosedBefore is one step of the retention sweep: it looks at up to
// limit tickets from where the last step stopped (erase:cursor, a ticket
// number), in number order, and purges each that is closed and was last
// changed before before. Ticket numbers grow with their creation time, so a
// pass ends at the first ticket created since before (nothing later can be
// due) and the next pass starts again from the lowest number. It returns
// how many it erased and whether the pass is done. Steps are idempotent:
// after a crash the next step looks at the same tickets again.
func (s *Store) EraseClosedBefore(ctx context.Context, before time.Time, limit int, users []string) (int, bool, error) {
	cursorKey := s.key("erase", "cursor")
	cur, err := s.rdb.Get(ctx, cursorKey).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return 0, false, wrap("read the retention sweep's place", err)
	}
	from := "-inf"
	if n, err := strconv.ParseInt(cur, 10, 64); err == nil && n > 0 {
		from = "(" + cur
	}
	ids, err := s.rdb.ZRangeByScore(ctx, s.key("tickets"), &redis.ZRangeBy{Min: from, Max: "+inf", Count: int64(limit)}).Result()
	if err != nil {
		return 0, false, wrap("list tickets for the retention sweep", err)
	}
	cmds := make([]*redis.SliceCmd, len(ids))
	if _, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = p.HMGet(ctx, s.ticketKey(id), "status", "updated", "created")
		}
		return nil
	}); err != nil {
		return 0, false, wrap("read tickets for the retention sweep", err)
	}
	cutoff := before.UnixMilli()
	erased, done := 0, len(ids) < limit
	last := ""
	for i, id := range ids {
		v := cmds[i].Val()
		created, _ := strconv.ParseInt(str(v, 2), 10, 64)
		if created >= cutoff {
			done = true
			break
		}
		last = id
		updated, _ := strconv.ParseInt(str(v, 1), 10, 64)
		if str(v, 0) != "closed" || updated >= cutoff {
			continue
		}
		ok, err := s.EraseTicket(ctx, id, ticket.Erasure{Mode: ticket.ErasePurge, By: "retention", ClosedBefore: before, Users: users})
		if err != nil {
			return erased, false, err
		}
		if ok {
			erased++
		}
	}
	next := last
	if done {
		next = "0"
	}
	if next != "" {
		if err := s.rdb.Set(ctx, cursorKey, next, 0).Err(); err != nil {
			return erased, false, wrap("save the retention sweep's place", err)
		}
	}
	return erased, done, nil
}

func str(v []any, i int) string {
	if i < len(v) {
		if s, ok := v[i].(string); ok {
			return s
		}
	}
	return ""
}

// SweepErasedEntries is one step of the sweep of the idempotency (sources)
// and threading (msgid) indexes: it looks at about count entries of each,
// from where the last step stopped, and drops those naming a ticket that no
// longer exists (purged). It returns how many it dropped and whether both
// passes are done.
func (s *Store) SweepErasedEntries(ctx context.Context, count int) (int, bool, error) {
	dropped, done := 0, true
	for _, index := range []string{"sources", "msgid"} {
		cursorKey := s.key("erase", "cursor", index)
		cur, err := s.rdb.Get(ctx, cursorKey).Result()
		if errors.Is(err, redis.Nil) {
			cur = "0"
		} else if err != nil {
			return dropped, false, wrap("read the index sweep's place", err)
		}
		v, err := erasedEntriesScript.Run(ctx, s.rdb, []string{s.key(index)}, s.base, cur, count).Slice()
		if err != nil {
			return dropped, false, wrap("sweep erased tickets from "+index, err)
		}
		next, _ := v[0].(string)
		n, _ := v[1].(int64)
		dropped += int(n)
		if next != "0" {
			done = false
		}
		if err := s.rdb.Set(ctx, cursorKey, next, 0).Err(); err != nil {
			return dropped, false, wrap("save the index sweep's place", err)
		}
	}
	return dropped, done, nil
}

// TakeRetentionLease makes instance the one running the retention sweep for
// ttl unless another instance holds it: one sweep at a time across every
// instance. It is never given back; its expiry spaces the rounds.
func (s *Store) TakeRetentionLease(ctx context.Context, instance string, ttl time.Duration) (bool, error) {
	ok, err := s.rdb.SetNX(ctx, s.key("erase", "lease"), instance, ttl).Result()
	if err != nil {
		return false, wrap("take the retention sweep's lease", err)
	}
	return ok, nil
}
