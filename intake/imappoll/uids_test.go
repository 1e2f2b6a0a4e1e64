package imappoll

import (
	"slices"
	"testing"

	"github.com/emersion/go-imap/v2"
)

func TestUIDsAbove(t *testing.T) {
	tests := []struct {
		name string
		in   []imap.UID
		last uint32
		want []uint32
	}{
		{"empty", nil, 5, []uint32{}},
		// "UID 6:*" with only UID 5 in the folder: the server answers 5.
		{"N:* quirk, highest below", []imap.UID{5}, 5, []uint32{}},
		{"N:* quirk, far below", []imap.UID{3}, 10, []uint32{}},
		{"new mails", []imap.UID{6, 7, 9}, 5, []uint32{6, 7, 9}},
		{"unsorted, duplicates, one old", []imap.UID{9, 4, 7, 9, 6}, 5, []uint32{6, 7, 9}},
		{"first run", []imap.UID{1, 2}, 0, []uint32{1, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := uidsAbove(tt.in, tt.last); !slices.Equal(got, tt.want) {
				t.Errorf("uidsAbove(%v, %d) = %v, want %v", tt.in, tt.last, got, tt.want)
			}
		})
	}
}

func TestProgress(t *testing.T) {
	pr := newProgress(10, 0, []uint32{12, 13, 20})
	if got := pr.watermark(); got != 11 {
		t.Errorf("start: watermark %d, want 11", got)
	}
	pr.markDone(13)
	if got := pr.watermark(); got != 11 {
		t.Errorf("13 done, 12 not: watermark %d, want 11", got)
	}
	pr.markDone(12)
	if got := pr.watermark(); got != 19 {
		t.Errorf("12, 13 done: watermark %d, want 19", got)
	}
	pr.markDone(20)
	if got := pr.watermark(); got != 20 || !pr.complete() {
		t.Errorf("all done: watermark %d complete %v, want 20 true", got, pr.complete())
	}

	// A first run: seen mails up to UIDNEXT-1 are skipped.
	pr = newProgress(0, 50, []uint32{7})
	if got := pr.watermark(); got != 6 {
		t.Errorf("first run: watermark %d, want 6", got)
	}
	pr.markDone(7)
	if got := pr.watermark(); got != 50 {
		t.Errorf("first run done: watermark %d, want 50", got)
	}
}

func TestBatches(t *testing.T) {
	ms := func(sizes ...int64) []meta {
		var out []meta
		for i, s := range sizes {
			out = append(out, meta{uid: uint32(i + 1), size: s})
		}
		return out
	}
	count := func(bs [][]meta) []int {
		var out []int
		for _, b := range bs {
			out = append(out, len(b))
		}
		return out
	}
	tests := []struct {
		name    string
		in      []meta
		maxMsgs int
		maxB    int64
		maxSize int64
		want    []int
	}{
		{"none", nil, 3, 100, 1000, nil},
		{"by count", ms(1, 1, 1, 1, 1, 1, 1), 3, 100, 1000, []int{3, 3, 1}},
		{"by bytes", ms(40, 40, 40, 40), 10, 100, 1000, []int{2, 2}},
		{"one alone larger than the cap", ms(10, 500, 10), 10, 100, 1000, []int{1, 1, 1}},
		{"oversized counts as its header", ms(10, 1<<30, 10), 10, 1 << 20, 1 << 20, []int{3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := count(batches(tt.in, tt.maxMsgs, tt.maxB, tt.maxSize))
			if !slices.Equal(got, tt.want) {
				t.Errorf("batch sizes %v, want %v", got, tt.want)
			}
		})
	}
}
