package webhooks

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"frontdesk/config"
	"frontdesk/internal/testredis"
	"frontdesk/ticket"
	"frontdesk/ticket/redisstore"
)

const secret = "test-secret-0123456789"

// receiver is a webhook receiver as a careful integrator writes one: it
// checks the signature, keeps each delivery id once, and notes the order in
// which each ticket's events first arrived.
type receiver struct {
	mu       sync.Mutex
	fail     int                 // answer 500 to this many requests first
	slow     map[string]bool     // delivery ids answered too late, once
	bodies   map[string][]byte   // delivery id -> the body first received
	order    map[string][]string // ticket -> events in the order first received
	seqs     map[string][]int64  // ticket -> seqs in that order
	requests int
	dups     int
	badSig   int
	changed  int // a repeated delivery id with a different body
}

func newReceiver() *receiver {
	return &receiver{slow: map[string]bool{}, bodies: map[string][]byte{}, order: map[string][]string{}, seqs: map[string][]int64{}}
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	rc.requests++
	if !Verify(secret, body, r.Header.Get(SignatureHeader)) {
		rc.badSig++
		rc.mu.Unlock()
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	id := r.Header.Get(DeliveryHeader)
	if rc.fail > 0 {
		rc.fail--
		rc.mu.Unlock()
		http.Error(w, "down for maintenance", http.StatusInternalServerError)
		return
	}
	slow := rc.slow[id]
	delete(rc.slow, id)
	rc.apply(id, body)
	rc.mu.Unlock()
	if slow {
		time.Sleep(1200 * time.Millisecond) // longer than the deliverer waits
	}
	w.WriteHeader(http.StatusNoContent)
}

// apply keeps a delivery once; rc.mu is held.
func (rc *receiver) apply(id string, body []byte) {
	if prev, ok := rc.bodies[id]; ok {
		rc.dups++
		if !bytes.Equal(prev, body) {
			rc.changed++
		}
		return
	}
	rc.bodies[id] = body
	var p Payload
	_ = json.Unmarshal(body, &p)
	var seq int64
	if i := strings.LastIndexByte(p.ID, '-'); i > 0 {
		_ = json.Unmarshal([]byte(p.ID[i+1:]), &seq)
	}
	rc.order[p.Ticket.ID] = append(rc.order[p.Ticket.ID], p.Event)
	rc.seqs[p.Ticket.ID] = append(rc.seqs[p.Ticket.ID], seq)
}

func (rc *receiver) applied() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.bodies)
}

// makeTickets makes n tickets, each created, assigned, answered and closed:
// four events each, in that order.
func makeTickets(t *testing.T, s *redisstore.Store, n int) []string {
	t.Helper()
	ctx := context.Background()
	var ids []string
	for i := range n {
		src := "src-" + string(rune('a'+i))
		r, err := s.Create(ctx, ticket.NewTicket{Channel: ticket.ChannelEmail, Queue: "support", Subject: "Order " + src,
			Customer: ticket.Customer{Name: "Ann Lee", Email: "ann@example.org"},
			Message:  ticket.NewMessage{SourceKey: src, From: "ann@example.org", Text: "Hello", By: "intake:support"}})
		if err != nil {
			t.Fatal(err)
		}
		id := r.TicketID
		if err := s.Assign(ctx, id, "bob", "carol"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AppendMessage(ctx, id, ticket.NewMessage{SourceKey: "out-" + src, Direction: ticket.DirectionOut,
			To: []string{"ann@example.org"}, Text: "Sorry!", Delivery: ticket.DeliveryQueued, Author: "bob", By: "bob"}); err != nil {
			t.Fatal(err)
		}
		if err := s.SetStatus(ctx, id, ticket.StatusClosed, "bob"); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

var allEvents = []string{"ticket.created", "ticket.assigned", "ticket.replied", "ticket.closed", "ticket.reopened", "sla.breached"}

// testOptions are quick: an attempt may take 1 s (generous, for a loaded
// machine), a stopped deliverer's events are taken over 1.5 s later.
func testOptions(reg prometheus.Registerer) *Options {
	return &Options{Timeout: time.Second, Lease: 1500 * time.Millisecond, Poll: 20 * time.Millisecond, Workers: 3,
		Backoff: func(int) time.Duration { return 30 * time.Millisecond }, Registerer: reg, PublicURL: "https://desk.example.com"}
}

// waitDone waits until the receiver has every event and the hook has
// nothing waiting.
func waitDone(t *testing.T, s *redisstore.Store, rc *receiver, hook string, want int) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		st, err := s.HookStats(context.Background(), hook)
		if err == nil && st.Waiting == 0 && rc.applied() == want {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	st, _ := s.HookStats(context.Background(), hook)
	t.Fatalf("not all delivered: receiver has %d of %d, hook stats %+v", rc.applied(), want, st)
}

// checkOrder checks that each ticket's events arrived once each, in the
// order they happened.
func checkOrder(t *testing.T, rc *receiver, ids []string) {
	t.Helper()
	rc.mu.Lock()
	defer rc.mu.Unlock()
	want := "ticket.created ticket.assigned ticket.replied ticket.closed"
	for _, id := range ids {
		if got := strings.Join(rc.order[id], " "); got != want {
			t.Errorf("ticket %s's events arrived as %q, want %q (seqs %v)", id, got, want, rc.seqs[id])
		}
	}
	if rc.badSig != 0 || rc.changed != 0 {
		t.Errorf("%d bad signatures, %d repeated deliveries with another body", rc.badSig, rc.changed)
	}
}

// Two deliverers share the events of a receiver that fails with 500 for a
// while and is once too slow to answer: every event arrives signed, each
// ticket's in order, each kept once.
func TestDeliveryInOrderThroughFailures(t *testing.T) {
	tr := testredis.New(t)
	s := redisstore.New(tr.Client, &redisstore.Options{Prefix: tr.Prefix})
	rc := newReceiver()
	srv := httptest.NewServer(rc)
	defer srv.Close()
	hooks := []config.Webhook{{URL: srv.URL + "/hook", Secret: secret, Events: allEvents}}
	hook := hooks[0].ID()
	reg := prometheus.NewRegistry()
	a, b := New(s, hooks, testOptions(reg)), New(s, hooks, testOptions(reg))
	if err := a.Register(context.Background()); err != nil {
		t.Fatal(err)
	}
	ids := makeTickets(t, s, 8)
	rc.mu.Lock()
	rc.fail = 10
	rc.slow[ids[2]+"-2"] = true
	rc.mu.Unlock()

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = a.Run(ctx) })
	wg.Go(func() { _ = b.Run(ctx) })
	waitDone(t, s, rc, hook, 32)
	cancel()
	wg.Wait()
	checkOrder(t, rc, ids)

	rc.mu.Lock()
	var p Payload
	_ = json.Unmarshal(rc.bodies[ids[0]+"-2"], &p)
	rc.mu.Unlock()
	if p.Event != "ticket.assigned" || p.By != "carol" || p.Ticket.Assignee != "bob" || p.Ticket.Status != ticket.StatusOpen ||
		p.Ticket.Customer.Email != "ann@example.org" || p.Ticket.URL != "https://desk.example.com/tickets/"+ids[0] || p.At.IsZero() {
		t.Errorf("payload of %s-2: %+v", ids[0], p)
	}

	log, err := s.HookLog(context.Background(), hook, 0)
	if err != nil {
		t.Fatal(err)
	}
	var failed500, timedOut, delivered int
	for _, l := range log {
		switch {
		case l.Result == ticket.HookFailed && l.Status == 500 && l.Error == "answered 500 Internal Server Error":
			failed500++
		case l.Result == ticket.HookFailed && strings.Contains(l.Error, "no answer within 1 s"):
			timedOut++
		case l.Result == ticket.HookDelivered:
			delivered++
		}
	}
	// More than the one slow answer may time out on a loaded machine.
	if failed500 != 10 || timedOut < 1 || delivered != 32 {
		t.Errorf("log: %d failed with 500, %d timed out, %d delivered; want 10, 1 or more, 32", failed500, timedOut, delivered)
	}
	if got := testutil.ToFloat64(a.metrics.deliveries.WithLabelValues(hook, "delivered")); got != 32 {
		t.Errorf("frontdesk_webhook_deliveries_total{result=delivered} = %v, want 32", got)
	}
	if got := testutil.ToFloat64(a.metrics.deliveries.WithLabelValues(hook, "failed")); got != float64(failed500+timedOut) {
		t.Errorf("frontdesk_webhook_deliveries_total{result=failed} = %v, want %d", got, failed500+timedOut)
	}
}

// dyingStore plays an instance killed after it has sent an event but before
// it recorded the answer: from its after-th settle on, it records nothing
// and takes nothing more.
type dyingStore struct {
	Store
	after  int32
	n      atomic.Int32
	killed chan struct{}
}

func (d *dyingStore) TakeHookEvent(ctx context.Context, hook string, lease time.Duration, hold string) (ticket.HookEvent, error) {
	if d.n.Load() > d.after {
		<-d.killed
		return ticket.HookEvent{}, errors.New("killed")
	}
	return d.Store.TakeHookEvent(ctx, hook, lease, hold)
}

func (d *dyingStore) SettleHookEvent(ctx context.Context, e ticket.HookEvent, o ticket.HookOutcome) (ticket.HookResult, error) {
	if d.n.Add(1) > d.after {
		<-d.killed
		return "", errors.New("killed")
	}
	return d.Store.SettleHookEvent(ctx, e, o)
}

// One of two deliverers dies in the middle of its work: the events it had
// sent without recording are sent again by the other when their leases run
// out, under the same delivery id and with the same body, so the receiver
// keeps every event once, each ticket's in order.
func TestDeliveryExactlyOnceWhenADelivererDies(t *testing.T) {
	tr := testredis.New(t)
	s := redisstore.New(tr.Client, &redisstore.Options{Prefix: tr.Prefix})
	rc := newReceiver()
	srv := httptest.NewServer(rc)
	defer srv.Close()
	hooks := []config.Webhook{{URL: srv.URL + "/hook", Secret: secret, Events: allEvents}}
	hook := hooks[0].ID()
	dying := &dyingStore{Store: s, after: 5, killed: make(chan struct{})}
	defer close(dying.killed)
	a, b := New(dying, hooks, testOptions(nil)), New(s, hooks, testOptions(nil))
	if err := a.Register(context.Background()); err != nil {
		t.Fatal(err)
	}
	ids := makeTickets(t, s, 8)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = a.Run(ctx) }()
	// b starts once a is dead, so that a has events to lose.
	deadline := time.Now().Add(5 * time.Second)
	for dying.n.Load() <= dying.after && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	done := make(chan struct{})
	go func() { _ = b.Run(ctx); close(done) }()
	waitDone(t, s, rc, hook, 32)
	cancel()
	<-done
	checkOrder(t, rc, ids)
	rc.mu.Lock()
	dups := rc.dups
	rc.mu.Unlock()
	st, _ := s.HookStats(context.Background(), hook)
	// Each lost attempt had reached the receiver, and came again (a timeout
	// on a loaded machine may add a repeat of its own).
	if st.Lost == 0 || int64(dups) < st.Lost {
		t.Errorf("%d deliveries repeated, %d attempts logged as lost: want at least as many repeats, and a lost attempt", dups, st.Lost)
	}
}

// A redirect is not followed, and a host name is reached only at public
// addresses.
func TestDeliveryPolicy(t *testing.T) {
	tr := testredis.New(t)
	s := redisstore.New(tr.Client, &redisstore.Options{Prefix: tr.Prefix})
	var hits atomic.Int32
	inner := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer inner.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, inner.URL+"/metadata", http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	hooks := []config.Webhook{{URL: srv.URL, Secret: secret, Events: []string{"ticket.created"}}}
	d := New(s, hooks, testOptions(nil))
	if err := d.Register(context.Background()); err != nil {
		t.Fatal(err)
	}
	makeTickets(t, s, 1)
	if _, err := d.once(context.Background(), d.hooks[0]); err != nil {
		t.Fatal(err)
	}
	log, _ := s.HookLog(context.Background(), hooks[0].ID(), 1)
	if len(log) != 1 || log[0].Result != ticket.HookFailed || log[0].Status != 307 ||
		!strings.Contains(log[0].Error, "redirects are not followed") || hits.Load() != 0 {
		t.Fatalf("log %+v, redirect target hit %d times", log, hits.Load())
	}
	if got := clip(strings.Repeat("é", 400), maxError); len(got) > maxError+len("…") || !strings.HasSuffix(got, "…") {
		t.Errorf("clip: %d bytes %q", len(got), got[len(got)-8:])
	}
	for _, addr := range []string{"127.0.0.1:443", "10.1.2.3:443", "169.254.169.254:80", "[::1]:443", "[fd00::1]:443"} {
		if err := publicOnly("tcp", addr, nil); err == nil || !strings.Contains(err.Error(), "not a public address") {
			t.Errorf("publicOnly(%s) = %v, want refused", addr, err)
		}
	}
	if err := publicOnly("tcp", "93.184.216.34:443", nil); err != nil {
		t.Errorf("publicOnly(public) = %v", err)
	}
	for host, literal := range map[string]bool{"127.0.0.1": true, "::1": true, "localhost": true, "hooks.example.com": false, "10.0.0.5": true} {
		if literalHost(host) != literal {
			t.Errorf("literalHost(%s) = %v", host, !literal)
		}
	}
}

// The signature is HMAC-SHA256 of the body, hex, as the README's example
// receivers compute it.
func TestSign(t *testing.T) {
	// printf '%s' '{"event":"ticket.created"}' | openssl dgst -sha256 -hmac test-secret-0123456789
	got := Sign(secret, []byte(`{"event":"ticket.created"}`))
	if got != "sha256=b2930c6d4b84f77f31a5dd06140d8541b2dc6d64e18ad95b558a9e7cd56db1d4" || !Verify(secret, []byte(`{"event":"ticket.created"}`), got) {
		t.Fatalf("Sign = %s", got)
	}
	if Verify(secret, []byte(`{"event":"ticket.closed"}`), got) || Verify("other", []byte(`{"event":"ticket.created"}`), got) {
		t.Fatal("Verify accepts another body or secret")
	}
	for attempt := 1; attempt <= 40; attempt++ {
		if d := Backoff(attempt); d < 9*time.Second || d > 66*time.Minute {
			t.Fatalf("Backoff(%d) = %v", attempt, d)
		}
	}
	if d := Backoff(20); d < 54*time.Minute {
		t.Fatalf("Backoff(20) = %v, want about an hour", d)
	}
}
