package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"frontdesk/jobs"
	"frontdesk/ticket"
	"frontdesk/ticket/redisstore"
)

func runJobsCmd(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = runJobs(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// jobs list shows a send left unknown; retry puts it back once; purge
// takes another off the list; the media queue's dead downloads the same.
func TestJobsListRetryPurge(t *testing.T) {
	r := newUsersRedis(t)
	ctx := context.Background()
	store := redisstore.New(r.client, &redisstore.Options{Prefix: r.prefix})
	var refs []string
	for _, src := range []string{"a", "b"} {
		rc, err := store.Create(ctx, ticket.NewTicket{Channel: ticket.ChannelEmail, Queue: "support", Subject: "Hi",
			Customer: ticket.Customer{Email: "ann@example.org"},
			Message:  ticket.NewMessage{SourceKey: "in-" + src, From: "ann@example.org", Text: "Hello"}})
		if err != nil {
			t.Fatal(err)
		}
		m, err := store.AppendMessage(ctx, rc.TicketID, ticket.NewMessage{SourceKey: "out-" + src, Direction: ticket.DirectionOut,
			To: []string{"ann@example.org"}, Text: "Answer", Delivery: ticket.DeliveryQueued})
		if err != nil {
			t.Fatal(err)
		}
		o, err := store.TakeOutbound(ctx, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range []ticket.Delivery{ticket.DeliverySending, ticket.DeliveryUnknown} {
			if err := store.SettleOutbound(ctx, o, ticket.Settlement{Delivery: st, Detail: "cut off after the final dot"}); err != nil {
				t.Fatal(err)
			}
		}
		refs = append(refs, rc.TicketID+"-"+m.MessageID)
	}

	code, out, errOut := runJobsCmd("list", "-config", r.config)
	if code != exitOK || errOut != "" || !strings.Contains(out, refs[0]) || !strings.Contains(out, refs[1]) ||
		!strings.Contains(out, "unknown") || !strings.Contains(out, "cut off after the final dot") {
		t.Fatalf("list: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if code, out, _ := runJobsCmd("retry", "-config", r.config, refs[0]); code != exitOK || out != refs[0]+": put back\n" {
		t.Fatalf("retry: exit %d, %q", code, out)
	}
	if code, out, _ := runJobsCmd("retry", refs[0], "-config", r.config); code != exitOK || !strings.Contains(out, "not dead") {
		t.Fatalf("second retry: exit %d, %q", code, out)
	}
	if code, out, _ := runJobsCmd("purge", "-config", r.config, "-queue", "outbox", refs[1]); code != exitOK || out != refs[1]+": purged\n" {
		t.Fatalf("purge: exit %d, %q", code, out)
	}
	if _, out, _ := runJobsCmd("list", "-config", r.config); strings.Contains(out, refs[0]) || strings.Contains(out, refs[1]) {
		t.Fatalf("list after retry and purge: %q", out)
	}
	o, err := store.TakeOutbound(ctx, time.Minute)
	if err != nil || o.TicketID+"-"+o.MessageID != refs[0] {
		t.Fatalf("the retried send is not due: %+v, %v", o, err)
	}

	// A dead download.
	q := jobs.New("media", &jobs.Options{Redis: r.client, Prefix: r.prefix})
	if err := q.Enqueue(ctx, jobs.Job{ID: "RE1", Kind: "voicemail"}, time.Time{}); err != nil {
		t.Fatal(err)
	}
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- q.Run(rctx, 1, func(context.Context, jobs.Job) error {
			return jobs.Permanent(errors.New("download recording: 403 Forbidden"))
		})
	}()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if st, _ := q.Stats(ctx); st.Dead == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the download did not die")
		}
	}
	cancel()
	<-done
	code, out, _ = runJobsCmd("list", "-config", r.config, "-queue", "media")
	if code != exitOK || !strings.Contains(out, "RE1") || !strings.Contains(out, "403 Forbidden") || !strings.Contains(out, "voicemail") {
		t.Fatalf("media list: exit %d, %q", code, out)
	}
	if code, out, _ := runJobsCmd("retry", "-queue", "media", "-config", r.config, "RE1"); code != exitOK || out != "RE1: put back\n" {
		t.Fatalf("media retry: exit %d, %q", code, out)
	}
	if st, _ := q.Stats(ctx); st.Dead != 0 || st.Pending != 1 {
		t.Fatalf("media after retry: %+v", st)
	}

	for _, bad := range [][]string{{}, {"list", "x", "-config", r.config}, {"retry", "-config", r.config}, {"list", "-queue", "mail", "-config", r.config}, {"frob"}} {
		if code, _, _ := runJobsCmd(bad...); code != exitUsage {
			t.Errorf("jobs %q: exit %d, want %d", bad, code, exitUsage)
		}
	}
	if code, _, errOut := runJobsCmd("retry", "-config", r.config, "nonsense"); code != exitFailure || !strings.Contains(errOut, "TICKET_ID-MESSAGE_ID") {
		t.Errorf("retry nonsense: exit %d, %q", code, errOut)
	}
}
