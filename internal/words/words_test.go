package words

import (
	"testing"
	"time"
)

func TestDuration(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want string
	}{
		{0, "0 s"}, {500 * time.Millisecond, "0 s"}, {45 * time.Second, "45 s"}, {5 * time.Minute, "5 min"},
		{4 * time.Hour, "4 h"}, {90 * time.Minute, "1 h 30 min"}, {12 * time.Hour, "12 h"},
		{52 * time.Hour, "2 d 4 h"}, {24*time.Hour + 30*time.Minute, "1 d"}, {-2 * time.Hour, "2 h"},
	} {
		if got := Duration(c.d); got != c.want {
			t.Errorf("Duration(%v) = %q, want %q", c.d, got, c.want)
		}
	}
}

func TestBytes(t *testing.T) {
	for _, tc := range []struct {
		n    int64
		want string
	}{{0, "0 B"}, {999, "999 B"}, {1000, "1 KB"}, {1500, "1.5 KB"}, {25_000_000, "25 MB"}, {3_140_000_000, "3.1 GB"}} {
		if got := Bytes(tc.n); got != tc.want {
			t.Errorf("Bytes(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}

func TestSeconds(t *testing.T) {
	for s, want := range map[int64]string{-5: "0 min", 0: "0 min", 30: "under 1 min", 1200: "20 min", 5400: "1 h 30 min",
		7200: "2 h", 47 * 3600: "47 h", 3 * 86400: "3 days"} {
		if got := Seconds(s); got != want {
			t.Errorf("Seconds(%d) = %q, want %q", s, got, want)
		}
	}
}
