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
