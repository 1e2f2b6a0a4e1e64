package main

import (
	"context"
	"errors"
	"testing"
	"time"

	"frontdesk/jobs"
)

// The managers' pages see a dead download with its ticket, message, what it
// fetched and why it failed; retried once it is due again, dismissed it is
// gone.
func TestDeadDownloadsForThePages(t *testing.T) {
	r := newUsersRedis(t)
	ctx := context.Background()
	q := jobs.New("media", &jobs.Options{Redis: r.client, Prefix: r.prefix})
	for _, j := range []jobs.Job{
		{ID: "twilio:recording:RE1", Kind: "media", Payload: []byte(`{"ticket":"1042","message":"m1","content_type":"audio/x-wav"}`)},
		{ID: "twilio:sms:SM1:media:0", Kind: "media", Payload: []byte(`{"ticket":"1043","message":"m2","content_type":"image/jpeg"}`)},
		{ID: "missed:CA1", Kind: "missed-check", Payload: []byte(`{"CallSID":"CA1","From":"+15555550123"}`)},
	} {
		if err := q.Enqueue(ctx, j, time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- q.Run(rctx, 1, func(context.Context, jobs.Job) error {
			return jobs.Permanent(errors.New("download: 403 Forbidden"))
		})
	}()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if st, _ := q.Stats(ctx); st.Dead == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the downloads did not die")
		}
	}
	cancel()
	<-done

	m := mediaDownloads{q}
	list, total, err := m.DeadDownloads(ctx, 2)
	if err != nil || total != 3 || len(list) != 2 {
		t.Fatalf("dead downloads = %+v, %d, %v; want 2 of 3", list, total, err)
	}
	all, _, _ := m.DeadDownloads(ctx, 10)
	byID := map[string]int{}
	for i, d := range all {
		byID[d.ID] = i
		if d.Error != "download: 403 Forbidden" || d.Reason != "The phone service refused the download: check its account and token." || d.At.IsZero() || d.Attempts != 1 {
			t.Errorf("dead download %+v: want its error, time and one attempt", d)
		}
	}
	if d := all[byID["twilio:recording:RE1"]]; d.What != "recording" || d.TicketID != "1042" || d.MessageID != "m1" {
		t.Errorf("the recording: %+v", d)
	}
	if d := all[byID["twilio:sms:SM1:media:0"]]; d.What != "picture" || d.TicketID != "1043" {
		t.Errorf("the picture: %+v", d)
	}
	if d := all[byID["missed:CA1"]]; d.What != "missed call" || d.TicketID != "" || d.From != "+15555550123" {
		t.Errorf("the missed-call check: %+v", d)
	}

	for i, want := range []bool{true, false} {
		if got, err := m.RetryDownload(ctx, "twilio:recording:RE1"); err != nil || got != want {
			t.Fatalf("retry %d = %v, %v; want %v", i+1, got, err, want)
		}
	}
	if got, err := m.DismissDownload(ctx, "missed:CA1"); err != nil || !got {
		t.Fatalf("dismiss = %v, %v", got, err)
	}
	if st, _ := q.Stats(ctx); st.Dead != 1 || st.Pending != 1 {
		t.Fatalf("after retry and dismiss: %+v, want one pending, one dead", st)
	}
}
