package ui

import (
	"fmt"
	"html/template"
	"regexp"
	"strings"
	"time"

	"frontdesk/internal/words"
)

// when renders a time as <time>, in UTC until the script shows it in the
// viewer's own timezone.
func when(t time.Time) template.HTML {
	if t.IsZero() {
		return ""
	}
	return template.HTML(fmt.Sprintf(`<time datetime="%s">%s</time>`,
		t.UTC().Format(time.RFC3339), template.HTMLEscapeString(t.UTC().Format("2006-01-02 15:04 UTC"))))
}

// uiFuncs are the template functions of every page.
var uiFuncs = template.FuncMap{
	"when": when,
	// whenp is when for a time that may be missing.
	"whenp": func(t *time.Time) template.HTML {
		if t == nil {
			return ""
		}
		return when(*t)
	},
	// age says how long ago t was, coarsely: "5 min", "3 h", "2 d".
	"age":     func(t time.Time) string { return humanDuration(time.Since(t)) },
	"seconds": func(sec float64) string { return humanDuration(time.Duration(sec * float64(time.Second))) },
	// due says how long until a deadline ("in 2 h") or since ("5 min late").
	"due": func(t *time.Time) string {
		if t == nil {
			return ""
		}
		if d := time.Until(*t); d >= 0 {
			return "in " + humanDuration(d)
		}
		return humanDuration(time.Since(*t)) + " late"
	},
	"overdue": func(t *time.Time) bool { return t != nil && time.Now().After(*t) },
	// took says how long from one time to another: "1 h 30 min".
	"took": func(from time.Time, to *time.Time) string {
		if to == nil {
			return ""
		}
		return words.Duration(to.Sub(from))
	},
	// event names a timeline entry's type in words.
	"event": eventName,
	// detail is a timeline entry's detail, with the times in it shown as
	// when shows them.
	"detail": eventDetail,
	"bytes":  humanBytes,
	// businessTime writes a report's seconds of business time: "1 h 30 min".
	"businessTime": words.Seconds,
	"list":         func(s ...string) []string { return s },
	"join":         strings.Join,
	// isImage: a picture browsers show (and the attachment route serves
	// inline), so the page can show it in place.
	"isImage": func(ct string) bool {
		switch ct {
		case "image/png", "image/jpeg", "image/gif", "image/webp":
			return true
		}
		return false
	},
	"isPDF": func(ct string) bool { return ct == "application/pdf" },
	// dict passes several values to a template: dict "A" 1 "B" 2.
	"dict": func(kv ...any) map[string]any {
		m := make(map[string]any, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			k, _ := kv[i].(string)
			m[k] = kv[i+1]
		}
		return m
	},
}

// humanDuration renders d coarsely for people: "40 s", "5 min", "3 h", "2 d".
func humanDuration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h", int(d.Hours()))
	default:
		return fmt.Sprintf("%d d", int(d.Hours()/24))
	}
}

// humanBytes renders a size: "812 B", "48 KB", "3.1 MB".
func humanBytes(n int64) string {
	switch {
	case n < 1000:
		return fmt.Sprintf("%d B", n)
	case n < 1000*1000:
		return fmt.Sprintf("%d KB", n/1000)
	default:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	}
}

// eventNames are the timeline's entry types in words; a type not listed shows
// as it is.
var eventNames = map[string]string{
	"created": "created", "message": "message", "note": "note", "routed": "routed",
	"assigned": "assigned", "released": "released", "status": "status",
	"lease_expired": "claim ran out", "sla_breached": "first response overdue",
	"delivery": "delivery", "changed": "changed", "snoozed": "snoozed",
	"snooze_ended": "back from snooze", "merged": "merged", "callback_due": "call back now",
	"callback_planned": "call-back planned", "callback_cancelled": "call-back cancelled",
	"feedback_good": "rated helpful", "feedback_bad": "rated not helpful",
	"transcript": "transcript added", "attachment": "file added",
}

func eventName(typ string) string {
	if n, ok := eventNames[typ]; ok {
		return n
	}
	return strings.ReplaceAll(typ, "_", " ")
}

// rfc3339InText finds the times events write into their details ("snoozed
// until 2026-12-03T09:00:00Z").
var rfc3339InText = regexp.MustCompile(`\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})`)

// eventDetail escapes a timeline entry's detail, turning each time in it into
// a <time> the script shows in the viewer's timezone.
func eventDetail(s string) template.HTML {
	var b strings.Builder
	last := 0
	for _, m := range rfc3339InText.FindAllStringIndex(s, -1) {
		b.WriteString(template.HTMLEscapeString(s[last:m[0]]))
		t, err := time.Parse(time.RFC3339Nano, s[m[0]:m[1]])
		if err != nil {
			b.WriteString(template.HTMLEscapeString(s[m[0]:m[1]]))
		} else {
			b.WriteString(string(when(t)))
		}
		last = m[1]
	}
	b.WriteString(template.HTMLEscapeString(s[last:]))
	return template.HTML(b.String())
}
