package redisstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"frontdesk/ticket"
)

var _ ticket.ReportStore = (*Store)(nil)

// zoneSpan is how far before and after now SetReportZone writes a zone's
// offsets: a process restarted, or the summary's daily run, rewrites them
// long before they run out.
const zoneSpan = 400 * 24 * time.Hour

// SetReportZone writes loc's UTC offsets from 400 days ago to 400 days
// ahead to base..'report:zone', which the scripts read to find the day of
// a time (report.lua).
func (s *Store) SetReportZone(ctx context.Context, loc *time.Location) error {
	now := s.now()
	b, err := json.Marshal(zoneOffsets(loc, now.Add(-zoneSpan), now.Add(zoneSpan)))
	if err != nil {
		return fmt.Errorf("set report zone: %w", err)
	}
	if err := s.rdb.Set(ctx, s.key("report", "zone"), b, 0).Err(); err != nil {
		return wrap("set report zone", err)
	}
	return nil
}

// zoneOffsets lists loc's offsets between from and to as [from ms, offset
// seconds] pairs, oldest first: the first one in force at from, then one
// per change (found hour by hour, then to the second).
func zoneOffsets(loc *time.Location, from, to time.Time) [][2]int64 {
	_, off := from.In(loc).Zone()
	out := [][2]int64{{0, int64(off)}}
	for t := from; t.Before(to); t = t.Add(time.Hour) {
		next := t.Add(time.Hour)
		if _, o := next.In(loc).Zone(); o != off {
			lo, hi := t, next // the change lies in (lo, hi]
			for hi.Sub(lo) > time.Second {
				mid := lo.Add(hi.Sub(lo) / 2)
				if _, m := mid.In(loc).Zone(); m == off {
					lo = mid
				} else {
					hi = mid
				}
			}
			off = o
			out = append(out, [2]int64{hi.Truncate(time.Second).UnixMilli(), int64(off)})
		}
	}
	return out
}

// ReadReport reads days in one script (report_read.lua).
func (s *Store) ReadReport(ctx context.Context, dates []string) ([]ticket.ReportDay, error) {
	args := make([]any, 0, len(dates)+1)
	args = append(args, s.base)
	for _, d := range dates {
		if _, err := time.Parse(time.DateOnly, d); err != nil {
			return nil, fmt.Errorf("read report: date %q: %w", d, err)
		}
		args = append(args, d)
	}
	res, err := s.scripts.reportRead.Run(ctx, s.rdb, []string{s.key("tickets")}, args...).Slice()
	if err != nil {
		return nil, wrap("read report", err)
	}
	if len(res) != len(dates) {
		return nil, fmt.Errorf("read report: %d days answered for %d", len(res), len(dates))
	}
	out := make([]ticket.ReportDay, len(dates))
	for i, d := range dates {
		out[i].Date = d
		parts, _ := res[i].([]any)
		if len(parts) != 2 {
			return nil, fmt.Errorf("read report: day %s: a short answer", d)
		}
		if packed, _ := parts[0].(int64); packed == 1 {
			out[i].Packed = true
			out[i].Pack, _ = parts[1].(string)
			continue
		}
		pairs, _ := parts[1].([]any)
		out[i].Counts = make(map[string]int64, len(pairs)/2)
		for k := 0; k+1 < len(pairs); k += 2 {
			name, _ := pairs[k].(string)
			v, _ := pairs[k+1].(string)
			n, err := strconv.ParseInt(v, 10, 64)
			switch {
			case err != nil:
			case name == "v":
				out[i].Version = n
			default:
				out[i].Counts[name] = n
			}
		}
	}
	return out, nil
}

// SaveReportPacks keeps packs, each while its day's version is the one it
// was made at, in one script (report_pack.lua): a year's first read packs
// hundreds of days.
func (s *Store) SaveReportPacks(ctx context.Context, packs []ticket.ReportPack) error {
	if len(packs) == 0 {
		return nil
	}
	args := make([]any, 0, 1+3*len(packs))
	args = append(args, s.base)
	for _, p := range packs {
		if _, err := time.Parse(time.DateOnly, p.Date); err != nil {
			return fmt.Errorf("save report packs: date %q: %w", p.Date, err)
		}
		args = append(args, p.Date, p.Version, p.Pack)
	}
	err := s.scripts.reportPack.Run(ctx, s.rdb, []string{s.key("tickets")}, args...).Err()
	return wrap(fmt.Sprintf("save %d report packs", len(packs)), err)
}

// RecordFeedback records a customer's answer on ticket id (feedback.lua).
func (s *Store) RecordFeedback(ctx context.Context, id string, f ticket.Feedback, window time.Duration) error {
	if err := validID(id); err != nil {
		return err
	}
	answer := "bad"
	if f.Good {
		answer = "good"
	}
	now := s.now()
	err := s.scripts.feedback.Run(ctx, s.rdb, []string{s.ticketKey(id)}, s.base, id, ms(now), rfc(now),
		answer, f.Comment, window.Milliseconds()).Err()
	return wrap("record feedback on ticket "+id, err)
}

// TicketFeedback reads the answer recorded on ticket id.
func (s *Store) TicketFeedback(ctx context.Context, id string) (ticket.Feedback, bool, error) {
	if err := validID(id); err != nil {
		return ticket.Feedback{}, false, err
	}
	v, err := s.rdb.HMGet(ctx, s.ticketKey(id), "feedback", "feedback_comment", "feedback_at").Result()
	if err != nil {
		return ticket.Feedback{}, false, wrap("read feedback on ticket "+id, err)
	}
	answer, _ := v[0].(string)
	if answer == "" {
		return ticket.Feedback{}, false, nil
	}
	comment, _ := v[1].(string)
	at, _ := v[2].(string)
	return ticket.Feedback{Good: answer == "good", Comment: comment, At: parseMS(at)}, true, nil
}

// businessAge is append.lua's ARGV 18: the ticket's age in business
// seconds, or "" to count around the clock.
func businessAge(nm ticket.NewMessage) string {
	if nm.BusinessAge == nil {
		return ""
	}
	return strconv.FormatInt(int64(*nm.BusinessAge/time.Second), 10)
}
