package redisstore

import (
	"context"
	"encoding/binary"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"

	"frontdesk/internal/terms"
)

// bulkIndex writes the search index as search_index (lua/search.lua) does,
// message by message, with plain commands instead of a script: the same
// keys, the same contents, and the same growth of each string (a posting is
// written whole while short and APPENDed to beyond, so Redis allocates the
// same room), so the same memory; only without a script's cost. The load
// test builds its million messages' index with it, after checking it
// against the scripts on the first thousands.
type bulkIndex struct {
	base  string
	seq   uint32
	dict  map[string]uint32
	short map[uint32][]byte // postings still written whole (under 256 bytes)
	long  map[uint32]bool
	lists map[string][]byte
}

func newBulkIndex(base string) *bulkIndex {
	return &bulkIndex{base: base, dict: map[string]uint32{}, short: map[uint32][]byte{}, long: map[uint32]bool{}, lists: map[string][]byte{}}
}

func u32(n uint32) []byte { return binary.BigEndian.AppendUint32(nil, n) }

// add queues on pipe what search_index does for one message of ticket tid.
func (b *bulkIndex) add(ctx context.Context, pipe redis.Pipeliner, tid string, ts []string) {
	if len(ts) == 0 {
		return
	}
	list := b.lists[tid]
	have := make(map[uint32]bool, len(list)/4)
	for i := 0; i+4 <= len(list); i += 4 {
		have[binary.BigEndian.Uint32(list[i:])] = true
	}
	id, _ := strconv.ParseUint(tid, 10, 32)
	tb := u32(uint32(id))
	added := false
	for _, t := range ts {
		n, ok := b.dict[t]
		if !ok {
			b.seq++
			n = b.seq
			b.dict[t] = n
			pipe.HSet(ctx, b.base+"search:dict:"+t[:2], t, n)
		}
		if have[n] {
			continue
		}
		have[n] = true
		list = append(list, u32(n)...)
		added = true
		pk := b.base + "search:post:" + strconv.FormatUint(uint64(n), 10)
		if p := b.short[n]; !b.long[n] && len(p) < 256 {
			p = append(p, tb...)
			b.short[n] = p
			pipe.Set(ctx, pk, p, 0)
			continue
		}
		if !b.long[n] {
			b.long[n] = true
			delete(b.short, n)
		}
		pipe.Append(ctx, pk, string(tb))
	}
	if added {
		b.lists[tid] = list
		pipe.Set(ctx, b.base+"search:ticket:"+tid, list, 0)
	}
}

// loadMessages indexes n generated messages under prefix: through bulkIndex,
// or through the scripts' search_index when script is set. Tickets have one
// to seven messages, four on average; the messages of 16 tickets at a time
// arrive interleaved. It returns the bytes of text indexed and a few of the
// messages' texts. With one worker the messages come in the same order
// every time, so the terms get the same numbers.
func loadMessages(t *testing.T, rdb *redis.Client, prefix string, n, workers int, script *redis.Script) (int64, []string) {
	ctx := context.Background()
	base := prefix + ":{desk}:"
	type msg struct {
		tid, text string
		terms     []string
	}
	batches := make(chan []msg, 64)
	var wg sync.WaitGroup
	var mu sync.Mutex
	next, produced := 0, 0
	for range workers {
		wg.Go(func() {
			for {
				mu.Lock()
				if produced >= n {
					mu.Unlock()
					return
				}
				first := next
				next += 16
				mu.Unlock()
				g := newTextGen(uint64(first) + 2) // the same tickets whatever the order
				var msgs []msg
				for tk := first; tk < first+16; tk++ {
					tid := strconv.Itoa(1001 + tk)
					order := strconv.Itoa(100000 + g.r.IntN(900000))
					subject := g.sentence(3+g.r.IntN(5)) + " " + order
					for m := range 1 + g.r.IntN(7) {
						text := g.message(order)
						if m == 0 {
							text = subject + "\n" + g.name() + "\n" + text
						}
						msgs = append(msgs, msg{tid, text, terms.Of(text)})
					}
				}
				g.r.Shuffle(len(msgs), func(i, j int) { msgs[i], msgs[j] = msgs[j], msgs[i] })
				mu.Lock()
				if produced >= n {
					mu.Unlock()
					return
				}
				if produced+len(msgs) > n {
					msgs = msgs[:n-produced]
				}
				produced += len(msgs)
				mu.Unlock()
				batches <- msgs
			}
		})
	}
	go func() { wg.Wait(); close(batches) }()

	b := newBulkIndex(base)
	var text int64
	var samples []string
	done, cmds := 0, 0
	pipe := rdb.Pipeline()
	flush := func() {
		if _, err := pipe.Exec(ctx); err != nil {
			t.Fatalf("index: %v", err)
		}
		cmds = 0
	}
	for msgs := range batches {
		for _, m := range msgs {
			text += int64(len(m.text))
			if done%997 == 0 {
				samples = append(samples, m.text)
			}
			if script != nil {
				script.EvalSha(ctx, pipe, []string{base + "search:ticket:" + m.tid}, base, m.tid, termsJSON(m.terms))
				cmds += 50
			} else {
				before := pipe.Len()
				b.add(ctx, pipe, m.tid, m.terms)
				cmds += pipe.Len() - before
			}
			done++
			if done%100000 == 0 {
				t.Logf("%d messages", done)
			}
		}
		if cmds > 20000 {
			flush()
		}
	}
	if script == nil {
		pipe.Set(ctx, base+"search:seq", b.seq, 0)
	}
	flush()
	return text, samples
}

// indexBothWays indexes n messages by the scripts and by bulkIndex, under
// two prefixes, checks that both hold the same keys with the same contents
// (postings compared as sets), and returns the memory of each.
func indexBothWays(t *testing.T, rdb *redis.Client, n int) (scripted, bulk int64) {
	ctx := context.Background()
	prelude, _ := luaFiles.ReadFile("lua/prelude.lua")
	lib, _ := luaFiles.ReadFile("lua/search.lua")
	index := redis.NewScript(string(prelude) + "\n" + string(lib) + "\nsearch_index(ARGV[2], ARGV[3])\nreturn 1")
	if err := index.Load(ctx, rdb).Err(); err != nil {
		t.Fatal(err)
	}
	loadMessages(t, rdb, "viascript", n, 1, index)
	loadMessages(t, rdb, "viabulk", n, 1, nil)
	read := func(prefix string) (map[string]string, int64) {
		contents := map[string]string{}
		var mem int64
		iter := rdb.Scan(ctx, 0, prefix+":{desk}:search:*", 1000).Iterator()
		for iter.Next(ctx) {
			k := iter.Val()
			rest := strings.TrimPrefix(k, prefix)
			mem += rdb.MemoryUsage(ctx, k, 0).Val()
			switch {
			case strings.Contains(k, ":search:dict:"):
				m := rdb.HGetAll(ctx, k).Val()
				contents[rest] = strconv.Itoa(len(m))
			case strings.Contains(k, ":search:post:") || strings.Contains(k, ":search:ticket:"):
				v := []byte(rdb.Get(ctx, k).Val())
				var ids []string
				for i := 0; i+4 <= len(v); i += 4 {
					ids = append(ids, strconv.Itoa(int(binary.BigEndian.Uint32(v[i:]))))
				}
				sortStrings(ids)
				contents[rest] = strings.Join(ids, ",")
			default:
				contents[rest] = rdb.Get(ctx, k).Val()
			}
		}
		return contents, mem
	}
	a, scripted := read("viascript")
	b, bulk := read("viabulk")
	if len(a) != len(b) {
		t.Errorf("the scripts made %d keys, bulkIndex %d", len(a), len(b))
	}
	for k, v := range a {
		if b[k] != v {
			t.Errorf("key %s: the scripts wrote %.80q, bulkIndex %.80q", k, v, b[k])
			break
		}
	}
	return scripted, bulk
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}
