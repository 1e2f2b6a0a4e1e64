package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/redis/go-redis/v9"

	"frontdesk/jobs"
	"frontdesk/ticket/redisstore"
)

const jobsUsage = `usage: frontdesk jobs COMMAND [flags]

commands:
  list [-config PATH] [-queue outbox|media]
                     list the dead jobs: sends that ended failed or unknown (outbox,
                     the default), or downloads of recordings, pictures and fax pages
                     that gave up (media)
  retry [-config PATH] [-queue outbox|media] ID...
                     put dead jobs back: a send goes out again (once), a download is
                     tried again with its attempts counted afresh
  purge [-config PATH] [-queue outbox|media] ID...
                     take dead jobs off the list without running them; a send keeps its
                     state on its ticket

A send's ID is TICKET_ID-MESSAGE_ID (1042-m2), as jobs list prints it.
`

// jobsTimeout bounds one jobs command's work against Redis.
const jobsTimeout = 30 * time.Second

// runJobs runs frontdesk jobs list|retry|purge.
func runJobs(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, jobsUsage)
		return exitUsage
	}
	sub := args[0]
	if sub != "list" && sub != "retry" && sub != "purge" {
		fmt.Fprintf(stderr, "frontdesk jobs: unknown command %q\n\n%s", sub, jobsUsage)
		return exitUsage
	}
	fs := flag.NewFlagSet("jobs "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, jobsUsage) }
	configPath := fs.String("config", "", "configuration file (default $FRONTDESK_CONFIG or ./frontdesk.yaml)")
	queue := fs.String("queue", "outbox", "outbox (sends) or media (downloads)")
	ids, err := parseInterspersed(fs, args[1:])
	if err != nil {
		return exitUsage
	}
	if *queue != "outbox" && *queue != "media" {
		fmt.Fprintf(stderr, "frontdesk jobs %s: -queue must be outbox or media\n", sub)
		return exitUsage
	}
	if (sub == "list") != (len(ids) == 0) {
		if sub == "list" {
			fmt.Fprintf(stderr, "frontdesk jobs list: unexpected %q\n\n%s", ids, jobsUsage)
		} else {
			fmt.Fprintf(stderr, "frontdesk jobs %s: name the jobs (IDs as jobs list prints them)\n\n%s", sub, jobsUsage)
		}
		return exitUsage
	}
	cfg, ok := readConfig(*configPath, stderr)
	if !ok {
		return exitFailure
	}
	return withRedis(ctx, cfg, stderr, jobsTimeout, func(ctx context.Context, rdb redis.UniversalClient) int {
		var d deadJobs
		if *queue == "outbox" {
			d = outboxJobs{redisstore.New(rdb, &redisstore.Options{Prefix: cfg.Redis.Prefix})}
		} else {
			d = mediaJobs{jobs.New("media", &jobs.Options{Redis: rdb, Prefix: cfg.Redis.Prefix, Logger: slog.New(slog.DiscardHandler)})}
		}
		if sub == "list" {
			return listJobs(ctx, d, stdout, stderr)
		}
		code := exitOK
		for _, id := range ids {
			var done bool
			var err error
			if sub == "retry" {
				done, err = d.retry(ctx, id)
			} else {
				done, err = d.purge(ctx, id)
			}
			switch {
			case err != nil:
				printAccountsError(stderr, err)
				code = exitFailure
			case done && sub == "retry":
				fmt.Fprintf(stdout, "%s: put back\n", id)
			case done:
				fmt.Fprintf(stdout, "%s: purged\n", id)
			default:
				fmt.Fprintf(stdout, "%s: not dead (put back or purged already)\n", id)
			}
		}
		return code
	})
}

// deadJob is one line of jobs list.
type deadJob struct {
	ID, State, Error string
	Attempts         int
	At               time.Time
}

// deadJobs is a queue's dead list as the command works on it.
type deadJobs interface {
	list(ctx context.Context) ([]deadJob, int, error)
	retry(ctx context.Context, id string) (bool, error)
	purge(ctx context.Context, id string) (bool, error)
}

func listJobs(ctx context.Context, d deadJobs, stdout, stderr io.Writer) int {
	list, total, err := d.list(ctx)
	if err != nil {
		printAccountsError(stderr, err)
		return exitFailure
	}
	tw := tabwriter.NewWriter(stdout, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATE\tATTEMPTS\tSINCE\tERROR")
	for _, j := range list {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", j.ID, j.State, j.Attempts, j.At.UTC().Format(time.RFC3339), strings.ReplaceAll(j.Error, "\n", " "))
	}
	if err := tw.Flush(); err != nil {
		fmt.Fprintf(stderr, "frontdesk: %v\n", err)
		return exitFailure
	}
	if total > len(list) {
		fmt.Fprintf(stdout, "(the first %d of %d)\n", len(list), total)
	}
	return exitOK
}

// outboxJobs are the sends that ended failed or unknown.
type outboxJobs struct{ s *redisstore.Store }

func (o outboxJobs) list(ctx context.Context) ([]deadJob, int, error) {
	l, err := o.s.DeadSends(ctx, 0, 500)
	if err != nil {
		return nil, 0, err
	}
	out := make([]deadJob, 0, len(l.Sends))
	for _, s := range l.Sends {
		out = append(out, deadJob{ID: s.TicketID + "-" + s.MessageID, State: string(s.Delivery), Error: s.Detail, Attempts: s.Attempts, At: s.At})
	}
	return out, l.Total, nil
}

func (o outboxJobs) retry(ctx context.Context, id string) (bool, error) {
	t, m, err := sendRef(id)
	if err != nil {
		return false, err
	}
	return o.s.SendAgain(ctx, t, m, "frontdesk jobs retry")
}

func (o outboxJobs) purge(ctx context.Context, id string) (bool, error) {
	t, m, err := sendRef(id)
	if err != nil {
		return false, err
	}
	return o.s.DismissDead(ctx, t, m)
}

// sendRef splits a send's job id, TICKET_ID-MESSAGE_ID.
func sendRef(id string) (string, string, error) {
	t, m, ok := strings.Cut(id, "-")
	if !ok || t == "" || m == "" {
		return "", "", fmt.Errorf("job %q: a send's id is TICKET_ID-MESSAGE_ID (1042-m2)", id)
	}
	return t, m, nil
}

// mediaJobs are the downloads that gave up.
type mediaJobs struct{ q *jobs.Queue }

func (m mediaJobs) list(ctx context.Context) ([]deadJob, int, error) {
	dead, err := m.q.Dead(ctx, 500)
	if err != nil {
		return nil, 0, err
	}
	st, err := m.q.Stats(ctx)
	if err != nil {
		return nil, 0, err
	}
	out := make([]deadJob, 0, len(dead))
	for _, d := range dead {
		out = append(out, deadJob{ID: d.ID, State: "dead (" + d.Kind + ")", Error: d.Error, Attempts: d.Attempt, At: d.Failed})
	}
	return out, int(st.Dead), nil
}

func (m mediaJobs) retry(ctx context.Context, id string) (bool, error) { return m.q.Retry(ctx, id) }
func (m mediaJobs) purge(ctx context.Context, id string) (bool, error) { return m.q.Purge(ctx, id) }
