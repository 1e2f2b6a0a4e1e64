package redisstore

import (
	"context"
	"math/rand/v2"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"frontdesk/internal/terms"
)

// TestSearchLoad is the search index's benchmark at scale, run by hand:
//
//	FRONTDESK_SEARCH_LOAD=1000000 go test -run TestSearchLoad -timeout 60m -v ./ticket/redisstore/
//
// It starts a redis-server of its own (FRONTDESK_TEST_REDIS_SERVER or PATH)
// on port $FRONTDESK_SEARCH_PORT (6401 unless set), indexes that many
// messages — tickets of one to seven messages, four on average, of generated
// text: words drawn from a Zipf distribution over a vocabulary of 60,000,
// names, order numbers — and reports: the text indexed (subjects and message texts, bytes), the index's
// memory (MEMORY USAGE of every search key, and INFO used_memory), and the
// latency of two-word queries (p50, p99) and of a word being typed (prefix).
// It fails when a two-word query's p99 is 50 ms or more, or the index is 2×
// the text or more.
func TestSearchLoad(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("FRONTDESK_SEARCH_LOAD"))
	if n <= 0 {
		t.Skip("set FRONTDESK_SEARCH_LOAD=1000000 to run the search benchmark")
	}
	port := os.Getenv("FRONTDESK_SEARCH_PORT")
	if port == "" {
		port = "6401"
	}
	server := os.Getenv("FRONTDESK_TEST_REDIS_SERVER")
	if server == "" {
		server, _ = exec.LookPath("redis-server")
	}
	// FRONTDESK_SEARCH_REUSE=1 queries the index a run before left on the
	// port (with FRONTDESK_SEARCH_KEEP=1) instead of building it again.
	reuse, keep := os.Getenv("FRONTDESK_SEARCH_REUSE") == "1", os.Getenv("FRONTDESK_SEARCH_KEEP") == "1"
	if !reuse {
		cmd := exec.Command(server, "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", t.TempDir())
		if err := cmd.Start(); err != nil {
			t.Fatalf("start redis-server: %v", err)
		}
		if !keep {
			t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		}
		waitForPort(t, "127.0.0.1:"+port)
	}
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + port, PoolSize: 32, ReadTimeout: -1, WriteTimeout: -1})
	t.Cleanup(func() { _ = rdb.Close() })
	ctx := context.Background()
	s := New(rdb, &Options{Prefix: "load"})
	gen := newTextGen(1)

	if !reuse {
		// First the same messages are indexed both ways, by the scripts' own
		// search_index and by bulkIndex, under two prefixes, to check that the
		// two agree: the same keys with the same contents, and memory within
		// a few per cent. Then the full load goes by bulkIndex: storing a
		// million messages through the scripts takes this shared machine
		// hours (about a millisecond of Redis's time each).
		check := min(n, 5000)
		scripted, bulk := indexBothWays(t, rdb, check)
		if d := float64(bulk-scripted) / float64(scripted); d < -0.05 || d > 0.05 {
			t.Errorf("%d messages: the scripts' index takes %d bytes, bulkIndex's %d", check, scripted, bulk)
		}
		t.Logf("%d messages indexed by the scripts and by bulkIndex: %d and %d bytes, the same keys and contents", check, scripted, bulk)

		rdb.FlushAll(ctx)
		start := time.Now()
		textBytes, samples := loadMessages(t, rdb, "load", n, 2, nil)
		t.Logf("%d messages indexed in %s", n, time.Since(start).Round(time.Second))
		rdb.Set(ctx, "loadmeta:text", textBytes, 0)
		rdb.RPush(ctx, "loadmeta:samples", samples)
	}
	textBytes, _ := rdb.Get(ctx, "loadmeta:text").Int64()
	texts := rdb.LRange(ctx, "loadmeta:samples", 0, -1).Val()

	var keys, indexBytes int64
	family := map[string]int64{} // bytes by key family: dict, post, ticket
	iter := rdb.Scan(ctx, 0, "load:{desk}:search:*", 10000).Iterator()
	batch := make([]string, 0, 1000)
	flush := func() {
		pipe := rdb.Pipeline()
		cmds := make([]*redis.IntCmd, len(batch))
		for i, k := range batch {
			cmds[i] = pipe.MemoryUsage(ctx, k, 0)
		}
		if _, err := pipe.Exec(ctx); err != nil {
			t.Fatalf("memory usage: %v", err)
		}
		for i, c := range cmds {
			indexBytes += c.Val()
			fam := strings.SplitN(strings.TrimPrefix(batch[i], "load:{desk}:search:"), ":", 2)[0]
			family[fam] += c.Val()
		}
		keys += int64(len(batch))
		batch = batch[:0]
	}
	for iter.Next(ctx) {
		batch = append(batch, iter.Val())
		if len(batch) == cap(batch) {
			flush()
		}
	}
	flush()
	info, _ := rdb.Info(ctx, "memory").Result()
	used := ""
	for _, l := range strings.Split(info, "\n") {
		if strings.HasPrefix(l, "used_memory_human:") {
			used = strings.TrimSpace(l)
		}
	}
	ratio := float64(indexBytes) / float64(textBytes)
	t.Logf("%d messages indexed; text %d bytes; index %d keys, %d bytes (%.2f× the text: dictionary %d, postings %d, term lists %d); %s",
		n, textBytes, keys, indexBytes, ratio, family["dict"], family["post"], family["ticket"], used)

	measure := func(what string, query func(r *rand.Rand) string) time.Duration {
		r := rand.New(rand.NewPCG(7, 7))
		var lat []time.Duration
		hits := 0
		for range 2000 {
			q := query(r)
			t0 := time.Now()
			ids, err := s.SearchTickets(ctx, terms.ParseQuery(q), 20)
			lat = append(lat, time.Since(t0))
			if err != nil {
				t.Fatalf("search %q: %v", q, err)
			}
			if len(ids) > 0 {
				hits++
			}
		}
		slices.Sort(lat)
		p99 := lat[len(lat)*99/100]
		t.Logf("%s: p50 %s, p99 %s, max %s; %d of %d found tickets", what,
			lat[len(lat)/2].Round(time.Microsecond), p99.Round(time.Microsecond), lat[len(lat)-1].Round(time.Microsecond), hits, len(lat))
		return p99
	}
	words := func(r *rand.Rand) []string { return terms.Of(texts[r.IntN(len(texts))]) }
	p99 := measure("two words from one message", func(r *rand.Rand) string {
		w := words(r)
		return w[r.IntN(len(w))] + " " + w[r.IntN(len(w))] + " "
	})
	measure("two common words", func(r *rand.Rand) string {
		return gen.vocab[r.IntN(20)] + " " + gen.vocab[r.IntN(20)] + " "
	})
	measure("a word and a prefix being typed", func(r *rand.Rand) string {
		w := words(r)
		last := w[r.IntN(len(w))]
		return w[r.IntN(len(w))] + " " + last[:min(len(last), 2+r.IntN(3))]
	})
	if p99 >= 50*time.Millisecond {
		t.Errorf("two-word queries: p99 %s, want under 50 ms", p99)
	}
	if ratio >= 2 {
		t.Errorf("the index is %.2f× the text it indexes, want under 2×", ratio)
	}
}

// textGen writes text of a helpdesk's kind: words of a Zipf-distributed
// vocabulary, people's names (some with accents), order numbers.
type textGen struct {
	r     *rand.Rand
	zipf  *rand.Zipf
	vocab []string
	names []string
}

var (
	vocabOnce  sync.Once
	vocabWords []string
	vocabNames []string
)

func newTextGen(seed uint64) *textGen {
	vocabOnce.Do(func() {
		r := rand.New(rand.NewPCG(42, 42))
		syll := []string{"ka", "re", "to", "mi", "sa", "lo", "ne", "vi", "du", "pe", "ar", "in", "or", "el", "us", "an", "ti", "co", "ra", "me", "st", "er", "ch", "ou", "be", "li", "qu", "ga", "fo", "wi"}
		seen := map[string]bool{}
		for len(vocabWords) < 60000 {
			var b strings.Builder
			for range 1 + r.IntN(4) {
				b.WriteString(syll[r.IntN(len(syll))])
			}
			if w := b.String(); !seen[w] {
				seen[w] = true
				vocabWords = append(vocabWords, w)
			}
		}
		first := []string{"Ann", "Jörg", "Bob", "Zoë", "Chloé", "Mark", "Søren", "Ana", "Łukasz", "Emma", "Noah", "Björn", "José", "Mia", "Liam"}
		for range 3000 {
			vocabNames = append(vocabNames, first[r.IntN(len(first))]+" "+strings.ToUpper(vocabWords[r.IntN(len(vocabWords))][:1])+vocabWords[r.IntN(len(vocabWords))])
		}
	})
	r := rand.New(rand.NewPCG(seed, seed*7+1))
	return &textGen{r: r, zipf: rand.NewZipf(r, 1.07, 2, uint64(len(vocabWords)-1)), vocab: vocabWords, names: vocabNames}
}

func (g *textGen) name() string { return g.names[g.r.IntN(len(g.names))] }

func (g *textGen) sentence(words int) string {
	var b strings.Builder
	for i := range words {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(g.vocab[g.zipf.Uint64()])
	}
	return b.String()
}

// message is a mail's text: a greeting, a few sentences (one names the
// order), a signature; about 450 bytes.
func (g *textGen) message(order string) string {
	var b strings.Builder
	b.WriteString("Hello " + g.name() + ",\n\n")
	for i := range 4 + g.r.IntN(4) {
		b.WriteString(g.sentence(6 + g.r.IntN(10)))
		if i == 1 {
			b.WriteString(" order " + order)
		}
		b.WriteString(". ")
	}
	b.WriteString("\n\nRegards,\n" + g.name())
	return b.String()
}
