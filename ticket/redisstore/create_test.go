package redisstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"frontdesk/fault"
	"frontdesk/internal/testredis"
	"frontdesk/ticket"
)

func TestCreateAndGet(t *testing.T) {
	s, _, clk := newTestStore(t)
	ctx := context.Background()
	nt := mail("src-1", "Ann@Example.org", "Order 553 arrived broken")
	nt.Priority = ticket.PriorityHigh
	nt.Tags = []string{"order"}
	nt.FirstResponseDue = clk.Now().Add(4 * time.Hour)
	nt.Message.Attachments = []ticket.NewAttachment{{Filename: "photo.jpg", ContentType: "image/jpeg", Data: []byte("JPEGDATA")}}

	r := mustCreate(t, s, nt)
	if !r.Created || r.TicketID != "1001" || r.MessageID != "m1" {
		t.Fatalf("receipt = %+v, want created ticket 1001 message m1", r)
	}
	tk := assertWhole(t, s, r.TicketID)
	if tk.Status != ticket.StatusNew || tk.Queue != "support" || tk.Priority != ticket.PriorityHigh ||
		tk.Subject != "Order 553 arrived broken" || tk.Channel != ticket.ChannelEmail {
		t.Errorf("ticket fields = %+v", tk)
	}
	if tk.Customer.Email != "ann@example.org" || tk.Customer.Name != "Ann Lee" {
		t.Errorf("customer = %+v, want ann@example.org (lower-cased), Ann Lee", tk.Customer)
	}
	if len(tk.Tags) != 1 || tk.Tags[0] != "order" {
		t.Errorf("tags = %v", tk.Tags)
	}
	if !tk.CreatedAt.Equal(clk.Now()) || tk.FirstResponseDue == nil || !tk.FirstResponseDue.Equal(clk.Now().Add(4*time.Hour)) {
		t.Errorf("created %v, first response due %v", tk.CreatedAt, tk.FirstResponseDue)
	}
	m := tk.Messages[0]
	if m.Direction != ticket.DirectionIn || m.Kind != ticket.KindNormal || m.MessageID != "<src-1@example.org>" ||
		m.Text != "Hello, Order 553 arrived broken" || len(m.To) != 1 || m.Cc == nil {
		t.Errorf("message = %+v", m)
	}
	if len(m.Attachments) != 1 || m.Attachments[0].Size != 8 || m.Attachments[0].Filename != "photo.jpg" {
		t.Fatalf("attachments = %+v", m.Attachments)
	}
	a, data, err := s.Attachment(ctx, r.TicketID, m.Attachments[0].ID)
	if err != nil || string(data) != "JPEGDATA" || a.ContentType != "image/jpeg" {
		t.Errorf("attachment = %+v %q %v", a, data, err)
	}
	if _, _, err := s.Attachment(ctx, "1002", m.Attachments[0].ID); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("attachment through another ticket: err = %v, want not found", err)
	}
	if id, err := s.FindByMessageID(ctx, "<unknown@x>", "src-1@example.org"); err != nil || id != r.TicketID {
		t.Errorf("find by message id = %q, %v", id, err)
	}
	if _, err := s.Get(ctx, "999999"); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("get missing: %v, want not found", err)
	}
	if _, err := s.Get(ctx, "1 OR 1"); !errors.Is(err, fault.ErrInvalid) {
		t.Errorf("get with bad id: %v, want invalid", err)
	}
}

func TestCreateIsIdempotent(t *testing.T) {
	s, _, _ := newTestStore(t)
	first := mustCreate(t, s, mail("src-1", "ann@example.org", "Hi"))
	again := mustCreate(t, s, mail("src-1", "ann@example.org", "Hi"))
	if again.Created || again.TicketID != first.TicketID || again.MessageID != first.MessageID {
		t.Fatalf("second create = %+v, want the first's %+v with Created false", again, first)
	}
	other := mustCreate(t, s, mail("src-2", "ann@example.org", "Another"))
	if !other.Created || other.TicketID == first.TicketID {
		t.Fatalf("other source = %+v", other)
	}
	if n := len(visibleTickets(t, s)); n != 2 {
		t.Fatalf("%d tickets listed, want 2", n)
	}
	a, _ := s.Get(context.Background(), first.TicketID)
	b, _ := s.Get(context.Background(), other.TicketID)
	if a.Customer.ID != b.Customer.ID {
		t.Errorf("same email gave customers %s and %s", a.Customer.ID, b.Customer.ID)
	}
}

func TestCreateRejectsBadInput(t *testing.T) {
	s, tr, _ := newTestStore(t)
	good := mail("src-1", "ann@example.org", "Hi")
	for name, mutate := range map[string]func(*ticket.NewTicket){
		"no source key": func(n *ticket.NewTicket) { n.Message.SourceKey = "" },
		"source key CR": func(n *ticket.NewTicket) { n.Message.SourceKey = "a\rb" },
		"no channel":    func(n *ticket.NewTicket) { n.Channel = "" },
		"no queue":      func(n *ticket.NewTicket) { n.Queue = "" },
		"bad priority":  func(n *ticket.NewTicket) { n.Priority = "asap" },
	} {
		nt := good
		mutate(&nt)
		if _, err := s.Create(context.Background(), nt); !errors.Is(err, fault.ErrInvalid) {
			t.Errorf("%s: err = %v, want invalid", name, err)
		}
	}
	if keys := tr.Keys(t); len(keys) != 0 {
		t.Errorf("bad input wrote keys %v", keys)
	}
}

// TestConcurrentCreateOfOneSource is the promise at the heart of intake: 1,000
// simultaneous deliveries of the same source make one ticket and one message.
func TestConcurrentCreateOfOneSource(t *testing.T) {
	s, _, _ := newTestStore(t)
	nt := mail("dup", "ann@example.org", "Same mail, many deliveries")
	nt.Message.Attachments = []ticket.NewAttachment{{Filename: "a.txt", Data: []byte("same bytes")}}
	var created atomic.Int32
	ids := sync.Map{}
	var wg sync.WaitGroup
	for range 1000 {
		wg.Go(func() {
			r, err := s.Create(context.Background(), nt)
			if err != nil {
				t.Errorf("create: %v", err)
				return
			}
			if r.Created {
				created.Add(1)
			}
			ids.Store(r.TicketID+"/"+r.MessageID, true)
		})
	}
	wg.Wait()
	assertExactlyOne(t, s, &ids, int(created.Load()))
}

func assertExactlyOne(t *testing.T, s *Store, ids *sync.Map, created int) {
	t.Helper()
	n := 0
	ids.Range(func(k, _ any) bool { n++; return true })
	if created != 1 || n != 1 {
		t.Fatalf("created %d times, %d distinct receipts; want exactly 1 of each", created, n)
	}
	listed := visibleTickets(t, s)
	if len(listed) != 1 {
		t.Fatalf("%d tickets listed, want 1", len(listed))
	}
	tk := assertWhole(t, s, listed[0].ID)
	if len(tk.Messages) != 1 {
		t.Fatalf("%d messages, want 1", len(tk.Messages))
	}
	st, err := s.QueueStats(context.Background(), "support")
	if err != nil || st.Waiting != 1 {
		t.Fatalf("queue stats %+v, %v; want 1 waiting", st, err)
	}
}

// TestConcurrentCreateAcrossProcesses runs this test binary twice more, each
// process creating the same source 500 times at once against the same Redis.
func TestConcurrentCreateAcrossProcesses(t *testing.T) {
	if os.Getenv("FRONTDESK_CREATE_WORKER") != "" {
		t.Skip("worker process")
	}
	s, tr, _ := newTestStore(t)
	var wg sync.WaitGroup
	outputs := make([]bytes.Buffer, 2)
	for i := range outputs {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCreateWorker$", "-test.count=1")
		cmd.Env = append(os.Environ(), "FRONTDESK_CREATE_WORKER="+tr.URL, "FRONTDESK_CREATE_PREFIX="+tr.Prefix)
		cmd.Stdout, cmd.Stderr = &outputs[i], &outputs[i]
		if err := cmd.Start(); err != nil {
			t.Fatalf("start worker: %v", err)
		}
		wg.Go(func() {
			if err := cmd.Wait(); err != nil {
				t.Errorf("worker %d: %v\n%s", i, err, outputs[i].String())
			}
		})
	}
	wg.Wait()
	created, ids := 0, sync.Map{}
	for _, out := range outputs {
		for line := range strings.Lines(out.String()) {
			if rest, ok := strings.CutPrefix(line, "RECEIPT "); ok {
				f := strings.Fields(rest)
				ids.Store(f[0], true)
				n, _ := strconv.Atoi(f[1])
				created += n
			}
		}
	}
	assertExactlyOne(t, s, &ids, created)
}

// TestCreateWorker is the body of one worker process of the test above.
func TestCreateWorker(t *testing.T) {
	url := os.Getenv("FRONTDESK_CREATE_WORKER")
	if url == "" {
		t.Skip("run by TestConcurrentCreateAcrossProcesses")
	}
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	opts.PoolSize = 100
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	s := New(rdb, &Options{Prefix: os.Getenv("FRONTDESK_CREATE_PREFIX")})
	nt := mail("dup", "ann@example.org", "Same mail, many deliveries")
	var mu sync.Mutex
	created, receipts := 0, map[string]bool{}
	var wg sync.WaitGroup
	for range 500 {
		wg.Go(func() {
			r, err := s.Create(context.Background(), nt)
			if err != nil {
				t.Errorf("create: %v", err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			receipts[r.TicketID+"/"+r.MessageID] = true
			if r.Created {
				created++
			}
		})
	}
	wg.Wait()
	for k := range receipts {
		fmt.Printf("RECEIPT %s 0\n", k)
	}
	fmt.Printf("RECEIPT %s %d\n", firstKey(receipts), created)
}

func firstKey(m map[string]bool) string {
	for k := range m {
		return k
	}
	return "none"
}

// TestCreateSurvivesFailureAtEveryStep injects a failure before each step of
// Create, as a crash there would leave things, and checks that the store then
// shows nothing or one whole ticket, and that a retry ends with one whole ticket.
func TestCreateSurvivesFailureAtEveryStep(t *testing.T) {
	for _, step := range []string{"blobs", "commit", "done"} {
		t.Run(step, func(t *testing.T) {
			s, _, _ := newTestStore(t)
			nt := mail("crash-"+step, "ann@example.org", "Crash at "+step)
			nt.Message.Attachments = []ticket.NewAttachment{{Filename: "doc.pdf", ContentType: "application/pdf", Data: []byte("%PDF-1.4")}}
			boom := errors.New("injected crash")
			s.beforeStep = func(name string) error {
				if name == step {
					return boom
				}
				return nil
			}
			if _, err := s.Create(context.Background(), nt); !errors.Is(err, boom) {
				t.Fatalf("create with crash at %s: err = %v", step, err)
			}
			switch listed := visibleTickets(t, s); len(listed) {
			case 0:
				if st, _ := s.QueueStats(context.Background(), "support"); st.Waiting != 0 {
					t.Fatalf("no ticket listed but %d waiting in the queue", st.Waiting)
				}
			case 1:
				assertWhole(t, s, listed[0].ID)
			default:
				t.Fatalf("%d tickets after one crashed create", len(listed))
			}

			s.beforeStep = nil
			r := mustCreate(t, s, nt)
			listed := visibleTickets(t, s)
			if len(listed) != 1 || listed[0].ID != r.TicketID {
				t.Fatalf("after retry: %d tickets listed, receipt %+v", len(listed), r)
			}
			tk := assertWhole(t, s, r.TicketID)
			if len(tk.Messages) != 1 || len(tk.Messages[0].Attachments) != 1 {
				t.Fatalf("after retry: messages %+v", tk.Messages)
			}
		})
	}
}

func TestCreateWhenRedisIsGone(t *testing.T) {
	tr := newTestRedis(t)
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	defer rdb.Close()
	s := New(rdb, &Options{Prefix: tr.Prefix})
	_, err := s.Create(context.Background(), mail("src-1", "ann@example.org", "Hi"))
	if !fault.IsUnavailable(err) {
		t.Fatalf("create against a dead Redis: err = %v, want unavailable", err)
	}
	if err := s.Check(context.Background()); !fault.IsUnavailable(err) {
		t.Fatalf("readiness check against a dead Redis: %v", err)
	}
}

// TestCreateIsOneRoundTrip counts the round trips a Create makes once the
// script is loaded: one, with or without attachments (these go in one
// MULTI/EXEC with the script).
func TestCreateIsOneRoundTrip(t *testing.T) {
	s, _, _ := newTestStore(t)
	mustCreate(t, s, mail("warm-up", "ann@example.org", "loads the script"))
	counter := &testredis.RoundTrips{}
	s.rdb.AddHook(counter)
	nt := mail("src-8k", "ann@example.org", "8 KB")
	nt.Message.Text = strings.Repeat("x", 8<<10)
	mustCreate(t, s, nt)
	if got := counter.Count(); got != 1 {
		t.Fatalf("create sent %d round trips (%v), want 1", got, counter.Names())
	}
	counter.Reset()
	withFile := mail("src-att", "ann@example.org", "with a file")
	withFile.Message.Attachments = []ticket.NewAttachment{{Filename: "a.pdf", Data: []byte("%PDF")}}
	withFile.Message.Raw = []byte("raw mail")
	r := mustCreate(t, s, withFile)
	if got := counter.Count(); got != 1 {
		t.Fatalf("create with attachments made %d round trips (%v), want 1", got, counter.Names())
	}
	assertWhole(t, s, r.TicketID)
	if _, err := s.AppendMessage(context.Background(), "9999", ticket.NewMessage{SourceKey: "x", Channel: ticket.ChannelEmail,
		Attachments: []ticket.NewAttachment{{Filename: "b", Data: []byte("b")}}}); !errors.Is(err, fault.ErrNotFound) {
		t.Fatalf("append with attachment to a missing ticket: %v, want not found", err)
	}
}

func TestAttachmentOverCapIsOmitted(t *testing.T) {
	s, _, _ := newTestStore(t)
	nt := mail("big", "ann@example.org", "Big file")
	nt.Message.Attachments = []ticket.NewAttachment{
		{Filename: "huge.bin", Data: make([]byte, (1<<20)+1)},
		{Filename: "small.txt", ContentType: "text/plain", Data: []byte("ok")},
	}
	r := mustCreate(t, s, nt)
	tk := assertWhole(t, s, r.TicketID)
	m := tk.Messages[0]
	if !m.Attachments[0].Omitted || m.Attachments[0].Size != (1<<20)+1 || m.Attachments[1].Omitted {
		t.Fatalf("attachments = %+v", m.Attachments)
	}
	if len(m.Warnings) != 1 || !strings.Contains(m.Warnings[0], "huge.bin") {
		t.Errorf("warnings = %v", m.Warnings)
	}
	if _, _, err := s.Attachment(context.Background(), r.TicketID, m.Attachments[0].ID); !errors.Is(err, fault.ErrTooLarge) {
		t.Errorf("fetch omitted attachment: %v, want too large", err)
	}
	if _, data, err := s.Attachment(context.Background(), r.TicketID, m.Attachments[1].ID); err != nil || string(data) != "ok" {
		t.Errorf("fetch small attachment: %q %v", data, err)
	}
}

// TestRedisLostMidRun stops Redis between operations: the operation in flight
// fails as unavailable, nothing half is left, and once Redis is back the retry
// completes with one ticket.
func TestRedisLostMidRun(t *testing.T) {
	if os.Getenv("FRONTDESK_TEST_REDIS_URL") != "" {
		t.Skip("stops and restarts the in-process Redis; the real one is not the test's to stop")
	}
	s, tr, _ := newTestStore(t)
	mustCreate(t, s, mail("before", "ann@example.org", "Before the outage"))
	tr.Mini.Close()
	nt := mail("during", "ann@example.org", "During the outage")
	if _, err := s.Create(context.Background(), nt); !fault.IsUnavailable(err) {
		t.Fatalf("create while Redis is down: %v, want unavailable", err)
	}
	if _, err := s.ClaimNext(context.Background(), []string{"support"}, "ann", time.Minute); !fault.IsUnavailable(err) {
		t.Fatalf("claim while Redis is down: %v, want unavailable", err)
	}
	if err := tr.Mini.Restart(); err != nil {
		t.Fatal(err)
	}
	r := mustCreate(t, s, nt)
	again := mustCreate(t, s, nt)
	if !r.Created || again.Created || len(visibleTickets(t, s)) != 2 {
		t.Fatalf("after the outage: %+v %+v, %d tickets", r, again, len(visibleTickets(t, s)))
	}
	assertWhole(t, s, r.TicketID)
}
