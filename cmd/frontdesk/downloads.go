package main

import (
	"context"
	"log/slog"

	"frontdesk/intake/phonetickets"
	"frontdesk/jobs"
	"frontdesk/web/front"
)

// mediaDownloads are the media queue's dead jobs as the managers' pages show
// them.
type mediaDownloads struct{ q *jobs.Queue }

// deadDownloads returns the media queue's dead list for the web pages: a
// queue handle of its own that runs nothing (startPhone's workers run the
// jobs), so that downloads left dead stay visible also with twilio off.
func (a *app) deadDownloads() front.Downloads {
	return mediaDownloads{jobs.New("media", &jobs.Options{Redis: a.rdb, Prefix: a.cfg.Redis.Prefix,
		Logger: slog.New(slog.DiscardHandler), Now: a.clock.Now})}
}

func (m mediaDownloads) DeadDownloads(ctx context.Context, limit int) ([]front.DeadDownload, int, error) {
	dead, err := m.q.Dead(ctx, limit)
	if err != nil {
		return nil, 0, err
	}
	st, err := m.q.Stats(ctx)
	if err != nil {
		return nil, 0, err
	}
	out := make([]front.DeadDownload, 0, len(dead))
	for _, d := range dead {
		out = append(out, deadDownload(d))
	}
	return out, int(st.Dead), nil
}

// deadDownload is dead job d of the media queue as the pages show it.
func deadDownload(d jobs.DeadJob) front.DeadDownload {
	s := phonetickets.DescribeJob(d.Job)
	return front.DeadDownload{ID: d.ID, What: s.What, TicketID: s.TicketID, MessageID: s.MessageID, From: s.From,
		Reason: phonetickets.TroubleInWords(d.Error), Error: d.Error, Attempts: d.Attempt, At: d.Failed}
}

func (m mediaDownloads) RetryDownload(ctx context.Context, id string) (bool, error) {
	return m.q.Retry(ctx, id)
}

func (m mediaDownloads) DismissDownload(ctx context.Context, id string) (bool, error) {
	return m.q.Purge(ctx, id)
}
