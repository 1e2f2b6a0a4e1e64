package redisstore

import (
	"cmp"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	bits64 "math/bits"
	netmail "net/mail"
	"slices"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"

	"frontdesk/fault"
	"frontdesk/internal/terms"
	"frontdesk/ticket"
)

// The search index (lua/search.lua, docs/redis-keys.md "Search index") is
// written by the scripts that store messages; Go cuts the text into folded
// terms and passes them in, so the scripts only number and list them.

// maxPrefixTerms bounds how many terms the last word of a query stands for
// when it is read as a prefix: the most used of them, as people mean a word
// they are typing more often than a rare one.
const maxPrefixTerms = 16

// maxPrefixSized bounds how many of a prefix's terms a search compares by
// use (the shortest first): a prefix of two letters may start thousands.
const maxPrefixSized = 200

// messageTerms returns, as the JSON list the scripts take, the search terms
// of a message: its subject, the sender's name, its text and its attachments'
// names, with extra texts (the ticket's subject and customer name).
func messageTerms(nm ticket.NewMessage, extra ...string) string {
	texts := append(extra, nm.Subject, displayName(nm.From), nm.Text)
	for _, a := range nm.Attachments {
		texts = append(texts, a.Filename)
	}
	return termsJSON(terms.Of(texts...))
}

// ticketTerms returns the search terms of everything a ticket holds.
func ticketTerms(t *ticket.Ticket) []string {
	texts := []string{t.Subject, t.Customer.Name}
	for _, m := range t.Messages {
		texts = append(texts, m.Subject, displayName(m.From), m.Text, m.Transcript)
		for _, a := range m.Attachments {
			texts = append(texts, a.Filename)
		}
	}
	return terms.Of(texts...)
}

// displayName is the name part of a From ("Ann Lee" of "Ann Lee
// <ann@example.org>"); addresses and numbers are found through the customer.
func displayName(from string) string {
	if a, err := netmail.ParseAddress(from); err == nil {
		return a.Name
	}
	return ""
}

func termsJSON(ts []string) string {
	if len(ts) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(ts)
	return string(b)
}

func (s *Store) dictKey(term string) string { return s.base + "search:dict:" + term[:2] }

func (s *Store) postKey(n string) string { return s.base + "search:post:" + n }

// SearchTickets returns the tickets holding every term of q, newest first.
// It reads the index in two round trips (the terms' numbers, then their
// postings) and intersects the postings here, smallest first.
func (s *Store) SearchTickets(ctx context.Context, q terms.Query, limit int) ([]string, error) {
	if len(q.Terms) == 0 || limit <= 0 {
		return nil, nil
	}
	exact := q.Terms
	prefix := ""
	if q.Prefix {
		exact, prefix = q.Terms[:len(q.Terms)-1], q.Terms[len(q.Terms)-1]
	}
	pipe := s.rdb.Pipeline()
	nums := make([]*redis.StringCmd, len(exact))
	for i, t := range exact {
		nums[i] = pipe.HGet(ctx, s.dictKey(t), t)
	}
	var bucket *redis.MapStringStringCmd
	if prefix != "" {
		bucket = pipe.HGetAll(ctx, s.dictKey(prefix))
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, wrap("search: read terms", err)
	}
	// groups[i] are the postings of one word: one term, or a prefix's terms.
	var groups [][]string
	for _, c := range nums {
		n, err := c.Result()
		if errors.Is(err, redis.Nil) {
			return nil, nil // a word no ticket has
		}
		if err != nil {
			return nil, wrap("search: read terms", err)
		}
		groups = append(groups, []string{n})
	}
	if bucket != nil {
		var words []string
		all := bucket.Val()
		for t := range all {
			if strings.HasPrefix(t, prefix) {
				words = append(words, t)
			}
		}
		if len(words) == 0 {
			return nil, nil
		}
		if len(words) > maxPrefixSized {
			// Short words are the common ones: size only the shortest.
			slices.SortFunc(words, func(a, b string) int { return cmp.Or(cmp.Compare(len(a), len(b)), strings.Compare(a, b)) })
			words = words[:maxPrefixSized]
		}
		matching := make([]string, len(words))
		for i, t := range words {
			matching[i] = all[t]
		}
		if len(matching) > maxPrefixTerms {
			var err error
			if matching, err = s.mostUsed(ctx, matching, maxPrefixTerms); err != nil {
				return nil, err
			}
		}
		groups = append(groups, matching)
	}

	return s.matchGroups(ctx, groups, limit)
}

// readAllUpTo is how many bytes of the larger postings a search reads
// whole rather than check candidates by their term lists (beyond a quarter
// of the smallest's); a variable for tests.
var readAllUpTo int64 = 64 * 1024

// verifyBatch is how many candidates one round trip checks by their term
// lists.
const verifyBatch = 64

// matchGroups returns the newest tickets, at most limit, that are in every
// group (a group: the union of the postings of its term numbers). It reads
// the smallest group's postings; the others it either reads too and
// intersects, or — when they are larger than checking the candidates one
// by one would cost — checks the candidates, newest first, against their
// own term lists, stopping at limit: two common words need neither of
// their long postings whole.
func (s *Store) matchGroups(ctx context.Context, groups [][]string, limit int) ([]string, error) {
	pipe := s.rdb.Pipeline()
	lens := make([][]*redis.IntCmd, len(groups))
	for i, g := range groups {
		for _, n := range g {
			lens[i] = append(lens[i], pipe.StrLen(ctx, s.postKey(n)))
		}
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, wrap("search: size postings", err)
	}
	sizes := make([]int64, len(groups))
	for i := range groups {
		for _, c := range lens[i] {
			sizes[i] += c.Val()
		}
	}
	order := make([]int, len(groups))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(sizes[a], sizes[b]) })
	rest := int64(0)
	for _, g := range order[1:] {
		rest += sizes[g]
	}
	// Checking one candidate reads its term list, a few hundred bytes.
	readAll := len(order) == 1 || rest <= sizes[order[0]]/4+readAllUpTo
	fetch := order
	if !readAll {
		fetch = order[:1]
	}
	pipe = s.rdb.Pipeline()
	posts := make([][]*redis.StringCmd, len(groups))
	for _, i := range fetch {
		for _, n := range groups[i] {
			posts[i] = append(posts[i], pipe.Get(ctx, s.postKey(n)))
		}
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, wrap("search: read postings", err)
	}
	lists := make([][][]byte, len(groups))
	for _, i := range fetch {
		for _, c := range posts[i] {
			b, err := c.Bytes()
			if err != nil && !errors.Is(err, redis.Nil) {
				return nil, wrap("search: read postings", err)
			}
			lists[i] = append(lists[i], b)
		}
	}
	var ids []uint32
	if readAll {
		ids = intersect(lists, order)
		slices.SortFunc(ids, func(a, b uint32) int { return cmp.Compare(b, a) })
		ids = slices.Compact(ids)
		if len(ids) > limit {
			ids = ids[:limit]
		}
	} else {
		var err error
		if ids, err = s.verify(ctx, newestFirst(lists[order[0]]), groups, order[1:], limit); err != nil {
			return nil, err
		}
	}
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = strconv.FormatUint(uint64(id), 10)
	}
	return out, nil
}

// newestFirst returns the distinct ticket numbers of postings, highest
// first, through a bitmap: linear, where sorting a long posting is not.
func newestFirst(postings [][]byte) []uint32 {
	var bits []uint64
	n := 0
	for _, p := range postings {
		for i := 0; i+4 <= len(p); i += 4 {
			id := binary.BigEndian.Uint32(p[i:])
			w := int(id >> 6)
			if w >= len(bits) {
				bits = slices.Grow(bits, w+1-len(bits))[:w+1]
			}
			bits[w] |= 1 << (id & 63)
			n++
		}
	}
	ids := make([]uint32, 0, n)
	for w := len(bits) - 1; w >= 0; w-- {
		for x := bits[w]; x != 0; {
			b := 63 - bits64.LeadingZeros64(x)
			ids = append(ids, uint32(w<<6|b))
			x &^= 1 << b
		}
	}
	return ids
}

// verify checks candidates, newest first, against their term lists: a
// candidate is kept when, for each of the groups in check, its list holds
// one of the group's term numbers.
func (s *Store) verify(ctx context.Context, cand []uint32, groups [][]string, check []int, limit int) ([]uint32, error) {
	need := make(map[uint32][]int) // term number → the checked groups it is in
	for j, g := range check {
		for _, n := range groups[g] {
			v, _ := strconv.ParseUint(n, 10, 32)
			need[uint32(v)] = append(need[uint32(v)], j)
		}
	}
	var out []uint32
	met := make([]bool, len(check))
	for start := 0; start < len(cand) && len(out) < limit; start += verifyBatch {
		batch := cand[start:min(start+verifyBatch, len(cand))]
		pipe := s.rdb.Pipeline()
		cmds := make([]*redis.StringCmd, len(batch))
		for i, id := range batch {
			cmds[i] = pipe.Get(ctx, s.key("search", "ticket", strconv.FormatUint(uint64(id), 10)))
		}
		if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
			return nil, wrap("search: check candidates", err)
		}
		for i, c := range cmds {
			list, _ := c.Bytes()
			clear(met)
			left := len(check)
			for k := 0; k+4 <= len(list) && left > 0; k += 4 {
				for _, j := range need[binary.BigEndian.Uint32(list[k:])] {
					if !met[j] {
						met[j] = true
						left--
					}
				}
			}
			if left == 0 {
				out = append(out, batch[i])
				if len(out) == limit {
					break
				}
			}
		}
	}
	return out, nil
}

// intersect returns the ticket numbers in every group (a group: the union of
// its postings), taking the groups in order, the smallest first: the
// candidates never outgrow it, and each further group is one pass over its
// postings into a bitmap.
func intersect(lists [][][]byte, order []int) []uint32 {
	var cand []uint32
	for _, p := range lists[order[0]] {
		for i := 0; i+4 <= len(p); i += 4 {
			cand = append(cand, binary.BigEndian.Uint32(p[i:]))
		}
	}
	var bits []uint64
	for _, g := range order[1:] {
		if len(cand) == 0 {
			return nil
		}
		clear(bits)
		for _, p := range lists[g] {
			for i := 0; i+4 <= len(p); i += 4 {
				id := binary.BigEndian.Uint32(p[i:])
				w := int(id >> 6)
				if w >= len(bits) {
					bits = slices.Grow(bits, w+1-len(bits))[:w+1]
				}
				bits[w] |= 1 << (id & 63)
			}
		}
		kept := cand[:0]
		for _, id := range cand {
			if w := int(id >> 6); w < len(bits) && bits[w]&(1<<(id&63)) != 0 {
				kept = append(kept, id)
			}
		}
		cand = kept
	}
	return cand
}

// mostUsed returns the n term numbers of nums with the longest postings.
func (s *Store) mostUsed(ctx context.Context, nums []string, n int) ([]string, error) {
	pipe := s.rdb.Pipeline()
	lens := make([]*redis.IntCmd, len(nums))
	for i, num := range nums {
		lens[i] = pipe.StrLen(ctx, s.postKey(num))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, wrap("search: size prefix terms", err)
	}
	idx := make([]int, len(nums))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return cmp.Compare(lens[b].Val(), lens[a].Val()) })
	out := make([]string, 0, n)
	for _, i := range idx[:n] {
		out = append(out, nums[i])
	}
	return out, nil
}

// DropSearch takes ticket id out of the search index: the lua function
// search_drop (search.lua) in a script of its own. It reads the ticket first
// to know its words, which leave the term dictionary where no other ticket
// has them; call it before deleting the ticket's messages. A ticket that is
// gone already only leaves the postings.
func (s *Store) DropSearch(ctx context.Context, id string) error {
	if err := validID(id); err != nil {
		return err
	}
	var ts []string
	t, err := s.Get(ctx, id)
	switch {
	case err == nil:
		ts = ticketTerms(t)
	case !errors.Is(err, fault.ErrNotFound):
		return fmt.Errorf("drop ticket %s from the search index: %w", id, err)
	}
	err = s.scripts.searchDrop.Run(ctx, s.rdb, []string{s.key("search", "ticket", id)}, s.base, id, termsJSON(ts), "").Err()
	return wrap("drop ticket "+id+" from the search index", err)
}

// IndexTicket indexes ticket id anew from its subject, messages and
// transcripts: for tickets stored before the search index existed.
func (s *Store) IndexTicket(ctx context.Context, id string) error {
	if err := validID(id); err != nil {
		return err
	}
	t, err := s.Get(ctx, id)
	if err != nil {
		return fmt.Errorf("index ticket %s for search: %w", id, err)
	}
	if t.MergedInto != "" { // its messages are on the other ticket
		return s.DropSearch(ctx, id)
	}
	err = s.scripts.searchDrop.Run(ctx, s.rdb, []string{s.key("search", "ticket", id)}, s.base, id, termsJSON(ticketTerms(t)), "1").Err()
	return wrap("index ticket "+id+" for search", err)
}

// IndexMissing indexes, one by one, the tickets the search index does not
// have yet (stored before it existed), newest first, and reports how many
// it indexed. A pass that reaches the oldest ticket records the newest it
// began from (search:indexed): every ticket since is indexed as it is
// stored, so a later start only looks at the tickets above that mark (those
// an older instance stored during an upgrade), not at every ticket again,
// nor again at the tickets that have no word or were merged. It reads the
// listing in pages, so it may run beside the desk's work, and stops at
// ctx's end (run it again to go on).
func (s *Store) IndexMissing(ctx context.Context) (int, error) {
	markKey := s.key("search", "indexed")
	min := "-inf"
	switch mark, err := s.rdb.Get(ctx, markKey).Result(); {
	case err == nil:
		min = "(" + mark
	case !errors.Is(err, redis.Nil):
		return 0, wrap("search: read how far the index was checked", err)
	}
	n := 0
	max, top := "+inf", ""
	for {
		ids, err := s.rdb.ZRevRangeByScore(ctx, s.key("tickets"), &redis.ZRangeBy{Max: max, Min: min, Count: 500}).Result()
		if err != nil {
			return n, wrap("search: list tickets to index", err)
		}
		if len(ids) == 0 {
			if top != "" {
				// Two instances' passes may race: the lower mark only makes
				// the next start look at a few more tickets.
				if err := s.rdb.Set(ctx, markKey, top, 0).Err(); err != nil {
					return n, wrap("search: record how far the index was checked", err)
				}
			}
			return n, nil
		}
		if top == "" {
			top = ids[0]
		}
		pipe := s.rdb.Pipeline()
		have := make([]*redis.IntCmd, len(ids))
		for i, id := range ids {
			have[i] = pipe.Exists(ctx, s.key("search", "ticket", id))
		}
		if _, err := pipe.Exec(ctx); err != nil {
			return n, wrap("search: list tickets to index", err)
		}
		for i, id := range ids {
			if have[i].Val() == 1 {
				continue
			}
			if err := s.IndexTicket(ctx, id); err != nil && !errors.Is(err, fault.ErrNotFound) {
				return n, err
			}
			n++
		}
		last, _ := strconv.ParseInt(ids[len(ids)-1], 10, 64)
		max = "(" + strconv.FormatInt(last, 10)
	}
}
