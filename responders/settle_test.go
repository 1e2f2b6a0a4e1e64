package responders

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"frontdesk/fault"
	"frontdesk/jobs"
	"frontdesk/responders/smtpsink"
	"frontdesk/ticket"
	"frontdesk/ticket/redisstore"
)

// bareDesk is a responder with no workers running: the test drives deliver
// and the job queue itself.
type bareDesk struct {
	store *redisstore.Store
	queue *jobs.Queue
	resp  *Responder
	sink  *smtpsink.Sink
	tid   string
	mid   string // an outbound message, queued
}

func newBareDesk(t *testing.T, wrap func(ticket.Store) ticket.Store) *bareDesk {
	t.Helper()
	d := newDeskOn(t, 0, nil, 0)
	resp := d.resp
	if wrap != nil {
		resp = New(wrap(d.store), d.cfg, d.queue, d.sender, slog.New(slog.DiscardHandler))
	}
	ctx := context.Background()
	r, err := d.store.Create(ctx, customerMail("s1", "ann@example.org", "Hi", ticket.KindNormal))
	if err != nil {
		t.Fatal(err)
	}
	out, err := d.store.AppendMessage(ctx, r.TicketID, ticket.NewMessage{SourceKey: "reply:s1", Direction: ticket.DirectionOut,
		From: "support@example.com", To: []string{"ann@example.org"}, Subject: "Re: Hi", Text: "Hello Ann",
		MessageID: "<reply-s1@example.com>", Delivery: ticket.DeliveryQueued})
	if err != nil {
		t.Fatal(err)
	}
	return &bareDesk{store: d.store, queue: d.queue, resp: resp, sink: d.sink, tid: r.TicketID, mid: out.MessageID}
}

func (d *bareDesk) message(t *testing.T) ticket.Message {
	t.Helper()
	tk, err := d.store.Get(context.Background(), d.tid)
	if err != nil {
		t.Fatal(err)
	}
	return *messageByID(tk, d.mid)
}

// A send cut off by a shutdown after its claim puts the message back in
// the outbox, although the worker's context has ended.
func TestSendCutOffByShutdownIsQueuedAgain(t *testing.T) {
	d := newBareDesk(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	err := d.resp.deliver(ctx, d.tid, d.mid, "test", func(claim func() error) (string, error) {
		if err := claim(); err != nil {
			return "", err
		}
		cancel() // Run stops; the sender closes the connection mid-send
		return "", fmt.Errorf("smtp data: %w", ctx.Err())
	})
	if err == nil {
		t.Fatal("deliver reported a cut-off send as done")
	}
	if m := d.message(t); m.Delivery != ticket.DeliveryQueued {
		t.Fatalf("after a cut-off send the message is %s (%s), want queued", m.Delivery, m.DeliveryDetail)
	}
	refs, err := d.store.Outbox(context.Background(), time.Now(), 10)
	if err != nil || len(refs) != 1 {
		t.Fatalf("outbox = %v, %v; want the message back in it", refs, err)
	}
}

// A send whose job's lease runs out under it may see another worker take
// the job, find the message claimed and finish the job. The message, put
// back to queued, must still be sent: it gets a job of its own.
func TestSendOutlivingItsLeaseIsStillDelivered(t *testing.T) {
	d := newBareDesk(t, nil)
	runCtx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = d.queue.Run(runCtx, 1, d.resp.HandleJob) }()
	t.Cleanup(func() { stop(); <-done })

	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond) // the first worker's lease
	defer cancel()
	err := d.resp.deliver(ctx, d.tid, d.mid, "test", func(claim func() error) (string, error) {
		if err := claim(); err != nil {
			return "", err
		}
		// The second worker takes the job and finds the message claimed.
		job := jobs.Job{ID: "send:" + d.tid + ":" + d.mid, Kind: "send", Payload: []byte(d.tid + " " + d.mid)}
		if err := d.queue.Enqueue(context.Background(), job, time.Time{}); err != nil {
			t.Error(err)
		}
		waitFor(t, "the second worker to finish the job", func() bool {
			st, err := d.queue.Stats(context.Background())
			return err == nil && st.Pending == 0 && st.Running == 0
		})
		<-ctx.Done() // the first send is cut off when its lease ends
		return "", fmt.Errorf("smtp data: %w", ctx.Err())
	})
	if err == nil {
		t.Fatal("deliver reported a cut-off send as done")
	}
	if err := d.resp.Sweep(context.Background()); err != nil { // finds the message, but its job id is done
		t.Fatal(err)
	}
	waitFor(t, "the message to be delivered", func() bool { return len(d.sink.Received()) == 1 })
	if m := d.message(t); m.Delivery != ticket.DeliverySent || m.DeliveryDetail != "accepted by 127.0.0.1" {
		t.Fatalf("message %s (%s), want sent and accepted", m.Delivery, m.DeliveryDetail)
	}
	time.Sleep(200 * time.Millisecond) // time for a second send, were there one
	if n := len(d.sink.Received()); n != 1 {
		t.Fatalf("%d mails sent, want 1", n)
	}
}

// lostClaimAnswer is a store whose ClaimDelivery is carried out but its
// answer lost, as when the connection to Redis breaks after the script ran.
type lostClaimAnswer struct{ ticket.Store }

func (s lostClaimAnswer) ClaimDelivery(ctx context.Context, tid, mid, detail, by string) error {
	if err := s.Store.ClaimDelivery(ctx, tid, mid, detail, by); err != nil {
		return err
	}
	return fault.Unavailable(errors.New("read tcp: connection reset by peer"))
}

// A claim Redis recorded but whose answer was lost is still the worker's:
// it sends the message instead of leaving it marked sent and never sent.
func TestClaimWithLostAnswerStillSends(t *testing.T) {
	d := newBareDesk(t, func(s ticket.Store) ticket.Store { return lostClaimAnswer{s} })
	sent := false
	err := d.resp.deliver(context.Background(), d.tid, d.mid, "test", func(claim func() error) (string, error) {
		if err := claim(); err != nil {
			return "", err
		}
		sent = true
		return "accepted by test", nil
	})
	if err != nil || !sent {
		t.Fatalf("deliver = %v, sent %v; want the message sent", err, sent)
	}
	if m := d.message(t); m.Delivery != ticket.DeliverySent || m.DeliveryDetail != "accepted by test" {
		t.Fatalf("message %s (%s), want sent and accepted", m.Delivery, m.DeliveryDetail)
	}
}
