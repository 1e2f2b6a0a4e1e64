// Package words writes values for people to read in the timeline, messages
// and pages: durations as "1 h 30 min" rather than Go's "1h30m0s".
package words

import (
	"fmt"
	"strings"
	"time"
)

// Duration writes d in at most its two largest units: "45 s", "5 min",
// "1 h 30 min", "2 d 4 h". Less than a second is "0 s".
func Duration(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	units := []struct {
		size time.Duration
		name string
	}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "min"}, {time.Second, "s"}}
	var parts []string
	for _, u := range units {
		if n := d / u.size; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, u.name))
			d -= n * u.size
		} else if len(parts) > 0 {
			break // "1 d 30 min" would skip the hours: stop at the first gap
		}
		if len(parts) == 2 {
			break
		}
	}
	if len(parts) == 0 {
		return "0 s"
	}
	return strings.Join(parts, " ")
}

// Seconds writes a span of s seconds coarsely, as the reports and the
// morning summary show times to first response: "0 min", "under 1 min",
// "45 min", "2 h", "1 h 30 min", "3 days".
func Seconds(s int64) string {
	switch {
	case s <= 0:
		return "0 min"
	case s < 60:
		return "under 1 min"
	case s < 3600:
		return fmt.Sprintf("%d min", s/60)
	case s < 2*86400:
		h, m := s/3600, s%3600/60
		if m == 0 {
			return fmt.Sprintf("%d h", h)
		}
		return fmt.Sprintf("%d h %d min", h, m)
	}
	return fmt.Sprintf("%d days", s/86400)
}

// Bytes writes a size in decimal units, as mail clients and file managers
// do: "812 B", "48 KB", "1.5 KB", "25 MB", "3.1 GB".
func Bytes(n int64) string {
	if n < 1000 {
		return fmt.Sprintf("%d B", n)
	}
	f, unit := float64(n)/1000, "KB"
	for _, u := range []string{"MB", "GB", "TB"} {
		if f < 1000 {
			break
		}
		f, unit = f/1000, u
	}
	s := strings.TrimSuffix(fmt.Sprintf("%.1f", f), ".0")
	return s + " " + unit
}
