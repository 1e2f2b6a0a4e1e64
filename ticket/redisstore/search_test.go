package redisstore

import (
	"context"
	"encoding/binary"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"frontdesk/internal/terms"
	"frontdesk/ticket"
)

func search(t *testing.T, s *Store, q string) []string {
	t.Helper()
	ids, err := s.SearchTickets(context.Background(), terms.ParseQuery(q), 20)
	if err != nil {
		t.Fatalf("search %q: %v", q, err)
	}
	return ids
}

func wantSearch(t *testing.T, s *Store, q string, want ...string) {
	t.Helper()
	got := search(t, s, q)
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("search %q = %v, want %v", q, got, want)
	}
}

// checkIndex checks the index's invariant: each ticket's term list and the
// postings agree, every entry once.
func checkIndex(t *testing.T, s *Store) {
	t.Helper()
	ctx := context.Background()
	lists, err := s.rdb.Keys(ctx, s.base+"search:ticket:*").Result()
	if err != nil {
		t.Fatal(err)
	}
	pairs := map[string]int{}
	for _, k := range lists {
		tid := strings.TrimPrefix(k, s.base+"search:ticket:")
		b, _ := s.rdb.Get(ctx, k).Bytes()
		for i := 0; i+4 <= len(b); i += 4 {
			pairs[tid+" "+itoa(binary.BigEndian.Uint32(b[i:]))]++
		}
	}
	posts, _ := s.rdb.Keys(ctx, s.base+"search:post:*").Result()
	seen := 0
	for _, k := range posts {
		n := strings.TrimPrefix(k, s.base+"search:post:")
		b, _ := s.rdb.Get(ctx, k).Bytes()
		for i := 0; i+4 <= len(b); i += 4 {
			p := itoa(binary.BigEndian.Uint32(b[i:])) + " " + n
			if pairs[p] != 1 {
				t.Errorf("posting of term %s lists ticket %s, whose term list has it %d times", n, p, pairs[p])
			}
			seen++
		}
	}
	if seen != len(pairs) {
		t.Errorf("%d posting entries for %d (ticket, term) pairs", seen, len(pairs))
	}
}

func itoa(n uint32) string { return fmtUint(n) }

func fmtUint(n uint32) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}

func TestSearchFindsWordsOfEveryKindOfMessage(t *testing.T) {
	for _, mode := range []struct {
		name string
		upTo int64
	}{{"reading postings", readAllUpTo}, {"checking candidates", -1 << 40}} {
		t.Run(mode.name, func(t *testing.T) {
			defer func(v int64) { readAllUpTo = v }(readAllUpTo)
			readAllUpTo = mode.upTo
			testSearchFindsWords(t)
		})
	}
}

func testSearchFindsWords(t *testing.T) {
	s, _, _ := newTestStore(t)
	ctx := context.Background()
	a := mustCreate(t, s, mail("search-a", "ann@example.org", "Parcel from Jörg arrived broken")).TicketID
	nt := mail("search-b", "bob@example.org", "Invoice question")
	nt.Message.Text = "Could you resend invoice INV-2026-553? Thanks, Bob"
	b := mustCreate(t, s, nt).TicketID
	c := mustCreate(t, s, mail("search-c", "cy@example.org", "Broken hinge on the parcel box")).TicketID

	wantSearch(t, s, "jorg", a)
	wantSearch(t, s, "JÖRG broken", a)
	wantSearch(t, s, "broken parcel", c, a) // newest first
	wantSearch(t, s, "broken invoice")
	wantSearch(t, s, "inv 553", b)
	wantSearch(t, s, "inv-2026-553", b)
	wantSearch(t, s, "pa", c, a) // a prefix while typing
	wantSearch(t, s, "pa ", nil...)
	wantSearch(t, s, "nothing")

	// A reply, a note and a transcript add their words.
	for i, nm := range []ticket.NewMessage{
		{SourceKey: "search-reply", Direction: ticket.DirectionOut, From: "support@example.com", Text: "We are sending a replacement kettle", By: "ann"},
		{SourceKey: "search-note", Direction: ticket.DirectionInternal, Text: "Customer is a wholesaler", By: "ann"},
	} {
		if _, err := s.AppendMessage(ctx, b, nm); err != nil {
			t.Fatalf("append %d: %v", i, err)
		}
	}
	if err := s.SetTranscript(ctx, a, "m1", "Hallo, hier spricht Müller wegen der Rücksendung", "twilio"); err != nil {
		t.Fatal(err)
	}
	wantSearch(t, s, "replacement kettle", b)
	wantSearch(t, s, "wholesal", b)
	wantSearch(t, s, "muller rucksendung", a)

	// A create retried (the same source) indexes nothing twice.
	mustCreate(t, s, mail("search-a", "ann@example.org", "Parcel from Jörg arrived broken"))
	checkIndex(t, s)
}

func TestSearchFollowsAMerge(t *testing.T) {
	s, _, _ := newTestStore(t)
	ctx := context.Background()
	a := mustCreate(t, s, mail("merge-a", "ann@example.org", "Kettle whistles")).TicketID
	b := mustCreate(t, s, mail("merge-b", "ann@example.org", "Kettle leaks water")).TicketID
	if _, err := s.Merge(ctx, b, a, "ann"); err != nil {
		t.Fatal(err)
	}
	wantSearch(t, s, "kettle", a)
	wantSearch(t, s, "leaks whistles", a)
	checkIndex(t, s)
	// Mail that threads to the merged ticket lands, and is found, on the other.
	if _, err := s.AppendMessage(ctx, b, ticket.NewMessage{SourceKey: "merge-c", From: "ann@example.org", Text: "Also the lid squeaks"}); err != nil {
		t.Fatal(err)
	}
	wantSearch(t, s, "squeaks", a)
	checkIndex(t, s)
}

func TestDropSearch(t *testing.T) {
	s, _, _ := newTestStore(t)
	ctx := context.Background()
	a := mustCreate(t, s, mail("drop-a", "ann@example.org", "Zyxwv kettle")).TicketID
	b := mustCreate(t, s, mail("drop-b", "bob@example.org", "Kettle again")).TicketID
	if err := s.DropSearch(ctx, a); err != nil {
		t.Fatal(err)
	}
	wantSearch(t, s, "kettle", b)
	wantSearch(t, s, "zyxwv")
	// The word only the dropped ticket had is gone from the dictionary too;
	// the shared one stays.
	if n, _ := s.rdb.HExists(ctx, s.dictKey("zyxwv"), "zyxwv").Result(); n {
		t.Error("the dropped ticket's own word is still in the dictionary")
	}
	if n, _ := s.rdb.HExists(ctx, s.dictKey("kettle"), "kettle").Result(); !n {
		t.Error("a word another ticket has left the dictionary")
	}
	checkIndex(t, s)
	if err := s.IndexTicket(ctx, a); err != nil {
		t.Fatal(err)
	}
	wantSearch(t, s, "kettle", b, a)
	if err := s.IndexTicket(ctx, a); err != nil { // again: nothing doubles
		t.Fatal(err)
	}
	checkIndex(t, s)
	if err := s.DropSearch(ctx, "99999"); err != nil {
		t.Errorf("dropping a ticket that is not there: %v", err)
	}
}

func TestSearchPrefixTakesTheMostUsedTerms(t *testing.T) {
	s, _, _ := newTestStore(t)
	for i := range maxPrefixTerms + 10 {
		mustCreate(t, s, mail("prefix-"+fmtUint(uint32(i)), "ann@example.org", "word zq"+strings.Repeat("a", i%30)+fmtUint(uint32(i))))
	}
	// zqcommon in one ticket more than any other zq… term.
	nt := mail("prefix-common", "ann@example.org", "zqcommon")
	second := mustCreate(t, s, nt).TicketID
	nt = mail("prefix-common2", "ann@example.org", "zqcommon")
	third := mustCreate(t, s, nt).TicketID
	got := search(t, s, "zq")
	if len(got) < 2 || got[0] != third || got[1] != second {
		t.Errorf("search zq = %v, want the zqcommon tickets %s, %s first", got, third, second)
	}
}

// TestSearchOnRedisCluster keeps and reads the index on a real Redis
// Cluster: its keys are desk keys, in the desk's slot, so the scripts that
// store messages keep it in the same step there too.
func TestSearchOnRedisCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Redis Cluster; skipped with -short")
	}
	s := New(startRedisCluster(t), &Options{Prefix: "fdtest-" + randomHex(6)})
	ctx := context.Background()
	a := mustCreate(t, s, mail("cl-search-a", "ann@example.org", "Kettle from Jörg")).TicketID
	b := mustCreate(t, s, mail("cl-search-b", "bob@example.org", "Kettle lid")).TicketID
	if _, err := s.AppendMessage(ctx, b, ticket.NewMessage{SourceKey: "cl-search-c", Direction: ticket.DirectionInternal, Text: "wholesaler", By: "ann"}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetTranscript(ctx, a, "m1", "Rückruf bitte", "twilio"); err != nil {
		t.Fatal(err)
	}
	wantSearch(t, s, "kettle", b, a)
	wantSearch(t, s, "jorg ruckruf", a)
	wantSearch(t, s, "whole", b)
	if _, err := s.Merge(ctx, b, a, "ann"); err != nil {
		t.Fatal(err)
	}
	wantSearch(t, s, "wholesaler kettle", a)
	if err := s.DropSearch(ctx, a); err != nil {
		t.Fatal(err)
	}
	wantSearch(t, s, "kettle")
}

func TestIndexMissing(t *testing.T) {
	s, _, _ := newTestStore(t)
	ctx := context.Background()
	var ids []string
	for i := range 3 {
		ids = append(ids, mustCreate(t, s, mail("missing-"+fmtUint(uint32(i)), "ann@example.org", "Toaster smokes")).TicketID)
	}
	// As if stored before the index: two tickets are not in it.
	for _, id := range ids[:2] {
		if err := s.DropSearch(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	wantSearch(t, s, "toaster", ids[2])
	n, err := s.IndexMissing(ctx)
	if err != nil || n != 2 {
		t.Fatalf("IndexMissing = %d, %v; want 2", n, err)
	}
	wantSearch(t, s, "toaster smokes", ids[2], ids[1], ids[0])
	if n, _ := s.IndexMissing(ctx); n != 0 {
		t.Errorf("a second IndexMissing indexed %d", n)
	}
	checkIndex(t, s)
}

// A start-up after a finished pass looks only at the tickets stored since
// (by an older instance during an upgrade): not again at every ticket, nor
// at those that have no word or were merged, which a term list never marks.
func TestIndexMissingLooksOnlyAboveItsMark(t *testing.T) {
	s, _, _ := newTestStore(t)
	ctx := context.Background()
	merged := mustCreate(t, s, mail("mark-1", "ann@example.org", "Kettle leaks")).TicketID
	into := mustCreate(t, s, mail("mark-2", "ann@example.org", "Kettle leaks again")).TicketID
	if _, err := s.Merge(ctx, merged, into, "ann"); err != nil {
		t.Fatal(err)
	}
	if n, err := s.IndexMissing(ctx); err != nil || n != 1 {
		t.Fatalf("first IndexMissing = %d, %v; want the merged ticket looked at once", n, err)
	}
	if n, err := s.IndexMissing(ctx); err != nil || n != 0 {
		t.Fatalf("second IndexMissing = %d, %v; want nothing below the mark looked at again", n, err)
	}
	// Stored by an instance without the index, after the pass.
	later := mustCreate(t, s, mail("mark-3", "bob@example.org", "Toaster smokes")).TicketID
	if err := s.DropSearch(ctx, later); err != nil {
		t.Fatal(err)
	}
	if n, err := s.IndexMissing(ctx); err != nil || n != 1 {
		t.Fatalf("IndexMissing after a ticket stored without the index = %d, %v; want 1", n, err)
	}
	wantSearch(t, s, "toaster", later)
	checkIndex(t, s)
}

// A short message looks its few terms up in the ticket's term list, entry
// by entry: term 256 (00 00 01 00) is not taken as had where terms 1 and 2
// (00 00 00 01 00 00 00 02) stand side by side in the list.
func TestSearchShortMessageTermNotMatchedAcrossEntries(t *testing.T) {
	s, _, _ := newTestStore(t)
	ctx := context.Background()
	id := mustCreate(t, s, mail("across-1", "ann@example.org", "Kettle")).TicketID
	if err := s.rdb.Set(ctx, s.base+"search:seq", 255, 0).Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AppendMessage(ctx, id, ticket.NewMessage{SourceKey: "across-2", From: "ann@example.org", Text: "wobbly"}); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.rdb.HGet(ctx, s.dictKey("wobbly"), "wobbly").Result(); n != "256" {
		t.Fatalf("wobbly is term %q, want 256 for this test", n)
	}
	wantSearch(t, s, "wobbly", id)
	checkIndex(t, s)
}

// A ticket's terms stop at 50,000: a thread fed ever more distinct words
// keeps its first ones findable, the rest are neither listed nor numbered
// (no dictionary word without a ticket, which erasure could not reach).
func TestSearchTermsPerTicketAreCapped(t *testing.T) {
	s, tr, _ := newTestStore(t)
	if tr.Mini != nil {
		// gopher-lua, under miniredis, overflows its registry joining a
		// message's 4,000 terms; real Redis's Lua does not.
		t.Skip("needs a real Redis (FRONTDESK_TEST_REDIS_URL)")
	}
	ctx := context.Background()
	id := mustCreate(t, s, mail("cap-1", "ann@example.org", "Kettle")).TicketID
	word := func(i int) string { return fmt.Sprintf("zq%dx", i) }
	for m := 0; m < 13; m++ { // 13 messages of 4,000 new words: 52,000
		var b strings.Builder
		for i := m * 4000; i < (m+1)*4000; i++ {
			b.WriteString(word(i) + " ")
		}
		if _, err := s.AppendMessage(ctx, id, ticket.NewMessage{SourceKey: fmt.Sprintf("cap-m%d", m), From: "ann@example.org", Text: b.String()}); err != nil {
			t.Fatal(err)
		}
	}
	list, err := s.rdb.Get(ctx, s.base+"search:ticket:"+id).Result()
	if err != nil {
		t.Fatal(err)
	}
	if n := len(list) / 4; n != 50000 {
		t.Fatalf("the ticket lists %d terms, want the cap of 50000", n)
	}
	wantSearch(t, s, word(0), id)
	if n, _ := s.rdb.HExists(ctx, s.dictKey(word(51999)), word(51999)).Result(); n {
		t.Fatalf("%s past the cap was numbered in the dictionary", word(51999))
	}
	checkIndex(t, s)
}
