package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Period is a long span of time, written in days ("730d"), weeks ("104w")
// or as a Go duration ("17520h"); "0" is none.
type Period time.Duration

// Duration is p as a time.Duration.
func (p Period) Duration() time.Duration { return time.Duration(p) }

// ParsePeriod reads a Period: a whole number of days (d) or weeks (w), or
// anything time.ParseDuration takes.
func ParsePeriod(s string) (Period, error) {
	s = strings.TrimSpace(s)
	if s == "0" {
		return 0, nil
	}
	for suffix, unit := range map[string]time.Duration{"d": 24 * time.Hour, "w": 7 * 24 * time.Hour} {
		if n, ok := strings.CutSuffix(s, suffix); ok {
			v, err := strconv.ParseInt(n, 10, 64)
			if err != nil || v < 0 || v > 100*366 {
				return 0, fmt.Errorf("invalid period %q: write a whole number of days such as 730d", s)
			}
			return Period(time.Duration(v) * unit), nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("invalid period %q: write a number of days such as 730d", s)
	}
	return Period(d), nil
}
