package imappoll

import (
	"slices"

	"github.com/emersion/go-imap/v2"
)

// uidsAbove returns the UIDs greater than last, sorted and without
// duplicates. A server answers "UID last+1:*" with the highest existing
// message even when its UID is not above last (RFC 3501 §6.4.8: "*" is the
// largest UID in use, and "N:*" is the same as "*:N"), so every answer to
// such a request goes through here.
func uidsAbove(uids []imap.UID, last uint32) []uint32 {
	out := make([]uint32, 0, len(uids))
	for _, u := range uids {
		if uint32(u) > last {
			out = append(out, uint32(u))
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// uidSet makes an IMAP UID set of uids, which must not be empty.
func uidSet(uids []uint32) imap.UIDSet {
	var s imap.UIDSet
	for _, u := range uids {
		s.AddNum(imap.UID(u))
	}
	return s
}

// progress tracks one scan's candidates in UID order to tell how far the
// mailbox state may advance: to just below the first candidate not yet
// imported, or, once all are, to the scan's upper bound.
type progress struct {
	base  uint32   // the last imported UID before the scan
	upper uint32   // where the state may go once every candidate is imported
	uids  []uint32 // the candidates, sorted
	done  map[uint32]bool
	next  int // index of the first candidate not done
}

func newProgress(base, upper uint32, uids []uint32) *progress {
	if n := len(uids); n > 0 && uids[n-1] > upper {
		upper = uids[n-1]
	}
	return &progress{base: base, upper: max(base, upper), uids: uids, done: make(map[uint32]bool)}
}

// markDone records that uid was imported.
func (p *progress) markDone(uid uint32) {
	p.done[uid] = true
	for p.next < len(p.uids) && p.done[p.uids[p.next]] {
		p.next++
	}
}

// complete reports whether every candidate was imported.
func (p *progress) complete() bool { return p.next == len(p.uids) }

// watermark is the UID up to which everything is imported or skipped.
func (p *progress) watermark() uint32 {
	if p.complete() {
		return p.upper
	}
	return max(p.base, p.uids[p.next]-1)
}

// meta is what a scan learns about one candidate before fetching it.
type meta struct {
	uid      uint32
	size     int64
	received int64 // INTERNALDATE, unix seconds
}

// headerCost is what an oversized mail's header is counted as in a batch's
// bytes.
const headerCost = 64 << 10

// batches splits ms, in order, into batches of at most maxMsgs mails and,
// unless a single mail is larger, maxBytes bytes; mails larger than maxSize
// count as their header only.
func batches(ms []meta, maxMsgs int, maxBytes, maxSize int64) [][]meta {
	var out [][]meta
	var cur []meta
	var bytes int64
	for _, m := range ms {
		cost := m.size
		if cost > maxSize {
			cost = headerCost
		}
		if len(cur) > 0 && (len(cur) >= maxMsgs || bytes+cost > maxBytes) {
			out = append(out, cur)
			cur, bytes = nil, 0
		}
		cur = append(cur, m)
		bytes += cost
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}
