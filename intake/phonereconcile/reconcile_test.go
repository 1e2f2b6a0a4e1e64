package phonereconcile

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"frontdesk/internal/testtwilio"

	"github.com/alicebob/miniredis/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/redis/go-redis/v9"

	"frontdesk/config"
	"frontdesk/desk"
	"frontdesk/fault"
	"frontdesk/intake/phone"
	"frontdesk/intake/phonetickets"
	"frontdesk/jobs"
	"frontdesk/ticket"
	"frontdesk/ticket/redisstore"
)

const (
	accountSID = "AC0123456789abcdef0123456789abcdef"
	authToken  = "secrettoken"
	ourNumber  = "+15555550100"
	otherNum   = "+15555550199" // the account's, but not frontdesk's
)

func sid(prefix string, n int) string { return fmt.Sprintf("%s%032x", prefix, n) }
func caller(n int) string             { return fmt.Sprintf("+1415555%04d", n) }

// env is phone intake as serve wires it, on an in-process Redis, with a fake
// Twilio API: the Sink the reconciler files through, and its store.
type env struct {
	t      *testing.T
	fake   *testtwilio.Server
	rdb    redis.UniversalClient
	store  *redisstore.Store
	intake *phonetickets.Intake
	cfg    *config.Config
	reg    *prometheus.Registry
	now    time.Time
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, fake: testtwilio.New(t, accountSID, authToken), reg: prometheus.NewRegistry(), now: time.Now()}
	mr := miniredis.RunT(t)
	e.rdb = redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { _ = e.rdb.Close() })
	e.store = redisstore.New(e.rdb, &redisstore.Options{Prefix: "fd"})
	cfg, err := config.Parse([]byte(fmt.Sprintf(`
redis: {url: "redis://127.0.0.1:6379/0", prefix: fd}
http: {public_url: "https://desk.example.com"}
twilio:
  account_sid: %s
  auth_token: %s
  api_url: %q
  numbers: [{number: %q, queue: phone, transcribe: true}]
queues: [{name: support}, {name: phone}]
`, accountSID, authToken, e.fake.URL, ourNumber)), nil)
	if err != nil {
		t.Fatal(err)
	}
	e.cfg = cfg
	quiet := slog.New(slog.DiscardHandler)
	media := jobs.New("media", &jobs.Options{Redis: e.rdb, Prefix: "fd", Logger: quiet,
		BackoffMin: 10 * time.Millisecond, BackoffMax: 50 * time.Millisecond, Poll: 10 * time.Millisecond})
	e.intake = phonetickets.New(desk.New(e.store, cfg, nil), e.rdb, media, &phonetickets.Options{Logger: quiet})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = media.Run(ctx, 2, e.intake.HandleJob) }()
	t.Cleanup(func() { cancel(); <-done })
	return e
}

// reconciler returns a Reconciler of the env named instance.
func (e *env) reconciler(instance string, edit func(*Options)) *Reconciler {
	o := &Options{Logger: slog.New(slog.DiscardHandler), Registerer: e.reg, Instance: instance,
		Now: func() time.Time { return e.now }}
	if edit != nil {
		edit(o)
	}
	return New(e.cfg.Twilio, "fd", e.rdb, e.intake, e.store, o)
}

// stored returns the receipt of a source key, or fails the test.
func (e *env) stored(key string) ticket.Receipt {
	e.t.Helper()
	rc, err := e.store.FindSource(context.Background(), key)
	if err != nil {
		e.t.Fatalf("%s: %v", key, err)
	}
	return rc
}

func (e *env) notStored(key string) {
	e.t.Helper()
	if _, err := e.store.FindSource(context.Background(), key); !errors.Is(err, fault.ErrNotFound) {
		e.t.Fatalf("%s: stored (%v), want not", key, err)
	}
}

// messages counts the messages of every ticket, by kind.
func (e *env) messages() (tickets int, kinds map[ticket.Kind]int) {
	e.t.Helper()
	p, err := e.store.List(context.Background(), ticket.ListFilter{Limit: 200})
	if err != nil {
		e.t.Fatal(err)
	}
	kinds = map[ticket.Kind]int{}
	for _, s := range p.Tickets {
		tk, err := e.store.Get(context.Background(), s.ID)
		if err != nil {
			e.t.Fatal(err)
		}
		for _, m := range tk.Messages {
			kinds[m.Kind]++
		}
	}
	return len(p.Tickets), kinds
}

func (e *env) count(kind, result string) float64 {
	return testutil.ToFloat64(e.reconcilerCounts().WithLabelValues(kind, result))
}

func (e *env) reconcilerCounts() *prometheus.CounterVec {
	return e.reconciler("counts", nil).counts // the registered one
}

// A fake Twilio lists texts, calls and recordings of the last day, some of
// which never came as webhooks: a round files those once, leaves the ones
// already stored, and a second round files nothing more.
func TestRoundFilesWhatNoWebhookBrought(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	h := time.Hour
	f := e.fake
	// Texts.
	f.AddMessage(sid("SM", 1), caller(1), ourNumber, "inbound", "a text no webhook brought", 0, e.now.Add(-3*h))
	f.AddMessage(sid("SM", 2), caller(2), ourNumber, "inbound", "a text that came as a webhook", 0, e.now.Add(-2*h))
	f.AddMessage(sid("MM", 3), caller(3), ourNumber, "inbound", "a picture", 1, e.now.Add(-h))
	f.AddMessage(sid("SM", 4), ourNumber, caller(1), "outbound-api", "our reply", 0, e.now.Add(-h))
	f.AddMessage(sid("SM", 5), caller(5), ourNumber, "inbound", "too new: its webhook may still come", 0, e.now.Add(-time.Minute))
	f.AddMessage(sid("SM", 6), caller(6), ourNumber, "inbound", "older than the window", 0, e.now.Add(-30*h))
	f.AddMessage(sid("SM", 7), caller(7), otherNum, "inbound", "to another number", 0, e.now.Add(-h))
	// Calls and voicemail.
	f.AddCall(sid("CA", 1), caller(11), ourNumber, "inbound", "no-answer", e.now.Add(-4*h), 0)
	f.AddCall(sid("CA", 2), caller(12), ourNumber, "inbound", "completed", e.now.Add(-3*h), time.Minute)
	f.AddRecording(sid("RE", 2), sid("CA", 2), e.now.Add(-3*h+time.Minute), "Please call me back about order 553.")
	f.AddCall(sid("CA", 3), caller(13), ourNumber, "inbound", "completed", e.now.Add(-2*h), time.Minute)
	f.AddRecording(sid("RE", 3), sid("CA", 3), e.now.Add(-2*h+time.Minute), "")
	f.AddCall(sid("CA", 4), caller(14), ourNumber, "inbound", "in-progress", e.now.Add(-30*time.Minute), 0)
	f.AddCall(sid("CA", 5), caller(15), ourNumber, "inbound", "busy", e.now.Add(-90*time.Minute), 0)
	f.AddCall(sid("CA", 9), caller(19), otherNum, "inbound", "completed", e.now.Add(-h), time.Minute)
	f.AddRecording(sid("RE", 9), sid("CA", 9), e.now.Add(-h+time.Minute), "")

	// What the webhooks did bring: SM2, CA3 with its voicemail, CA5 missed.
	common := func(from string, at time.Time) phone.Common {
		n, _ := e.cfg.Number(ourNumber)
		return phone.Common{AccountSID: accountSID, From: from, To: ourNumber, Number: n, KnownNumber: true, Received: at}
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(e.intake.SMS(ctx, phone.SMS{Common: common(caller(2), e.now.Add(-2*h)), MessageSID: sid("SM", 2), Body: "a text that came as a webhook"}))
	must(e.intake.Call(ctx, phone.Call{Common: common(caller(13), e.now.Add(-2*h)), CallSID: sid("CA", 3)}))
	must(e.intake.Recording(ctx, phone.Recording{Common: common("", e.now.Add(-2*h)), CallSID: sid("CA", 3), RecordingSID: sid("RE", 3),
		RecordingURL: f.URL + "/2010-04-01/Accounts/" + accountSID + "/Recordings/" + sid("RE", 3), RecordingStatus: "completed"}))
	must(e.intake.Call(ctx, phone.Call{Common: common(caller(15), e.now.Add(-90*time.Minute)), CallSID: sid("CA", 5)}))
	must(e.intake.CallStatus(ctx, phone.CallStatus{Common: common(caller(15), e.now.Add(-90*time.Minute)), CallSID: sid("CA", 5), CallStatus: "busy"}))
	ticketsBefore, _ := e.messages()

	r := e.reconciler("one", nil)
	ran, err := r.Round(ctx)
	if !ran || err != nil {
		t.Fatalf("round = %v, %v", ran, err)
	}

	// Filed: SM1, MM3 with its picture, CA1's missed call, CA2's voicemail
	// with its transcript.
	e.stored("twilio:sms:" + sid("SM", 1))
	e.stored("twilio:sms:" + sid("MM", 3))
	e.stored("twilio:missed:" + sid("CA", 1))
	vm := e.stored("twilio:recording:" + sid("RE", 2))
	for _, key := range []string{sid("SM", 4), sid("SM", 5), sid("SM", 6), sid("SM", 7)} {
		e.notStored("twilio:sms:" + key)
	}
	e.notStored("twilio:missed:" + sid("CA", 4))
	e.notStored("twilio:missed:" + sid("CA", 2))
	e.notStored("twilio:recording:" + sid("RE", 9))
	tickets, kinds := e.messages()
	if tickets != ticketsBefore+4 || kinds[ticket.KindSMS] != 3 || kinds[ticket.KindVoicemail] != 2 || kinds[ticket.KindMissedCall] != 2 {
		t.Fatalf("%d tickets (%d before), kinds %v", tickets, ticketsBefore, kinds)
	}
	tk, err := e.store.Get(ctx, vm.TicketID)
	if err != nil {
		t.Fatal(err)
	}
	if m := tk.Messages[0]; m.From != caller(12) || !strings.Contains(m.Text, "order 553") || tk.Queue != "phone" {
		t.Fatalf("reconciled voicemail = %+v on %+v", m, tk)
	}
	// The recording and the picture are downloaded from the API.
	deadline := time.Now().Add(15 * time.Second)
	for {
		tk, err := e.store.Get(ctx, vm.TicketID)
		mms, err2 := e.store.Get(ctx, e.stored("twilio:sms:"+sid("MM", 3)).TicketID)
		if err == nil && err2 == nil && len(tk.Messages[0].Attachments) == 1 && len(mms.Messages[0].Attachments) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("recording and picture not downloaded within 15 s: %v %v", err, err2)
		}
		time.Sleep(20 * time.Millisecond)
	}

	for _, c := range []struct {
		kind, result string
		want         float64
	}{
		{kindMessage, resultFiled, 2}, {kindMessage, resultPresent, 1},
		{kindRecording, resultFiled, 1}, {kindRecording, resultPresent, 1}, {kindRecording, resultIgnored, 1},
		{kindCall, resultFiled, 1}, {kindCall, resultPresent, 3}, {kindCall, resultPending, 1},
	} {
		if got := e.count(c.kind, c.result); got != c.want {
			t.Errorf("reconciled_total{kind=%s,result=%s} = %v, want %v", c.kind, c.result, got, c.want)
		}
	}

	// Another instance does not run a round while the lease is held.
	if ran, err := e.reconciler("two", nil).Round(ctx); ran || err != nil {
		t.Fatalf("second instance's round = %v, %v; want skipped", ran, err)
	}

	// A round later: it reads from the watermark on and files only the
	// text that was too new for the first round; the calls list, held back
	// by the call in progress, is read again and files nothing twice.
	e.now = e.now.Add(10 * time.Minute)
	if ran, err := r.Round(ctx); !ran || err != nil {
		t.Fatalf("second round = %v, %v", ran, err)
	}
	e.stored("twilio:sms:" + sid("SM", 5))
	if got, k := e.messages(); got != tickets+1 || k[ticket.KindVoicemail] != 2 || k[ticket.KindMissedCall] != 2 {
		t.Fatalf("%d tickets after the second round, want %d: %v", got, tickets+1, k)
	}
	if got := e.count(kindMessage, resultFiled) + e.count(kindCall, resultFiled) + e.count(kindRecording, resultFiled); got != 5 {
		t.Fatalf("%v filed after two rounds, want 5 (the 4 of the first, and the text too new for it)", got)
	}
	qs := f.Listed("Messages.json")
	last := qs[len(qs)-1]
	from, err := time.Parse(time.RFC3339, last.Get("DateSent>"))
	if err != nil || from.Before(e.now.Add(-10*time.Minute-DefaultSettle-overlap-time.Second)) {
		t.Errorf("the second round listed messages from %s (%v), want from the first round's watermark", last.Get("DateSent>"), err)
	}
	// The call in progress holds its list back: read again from the window's start.
	cq := f.Listed("Calls.json")
	if from, _ := time.Parse(time.RFC3339, cq[len(cq)-1].Get("StartTime>")); from.After(e.now.Add(-23 * h)) {
		t.Errorf("the calls list moved past a call in progress: from %s", from)
	}
}

// A list longer than MaxPerRound is read over several rounds, going on
// below the oldest item read, and everything is filed once.
func TestLongListsAreReadOverRounds(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for i := range 7 {
		e.fake.AddMessage(sid("SM", i+1), caller(i), ourNumber, "inbound", fmt.Sprint("text ", i), 0, e.now.Add(-time.Duration(i+1)*time.Hour))
	}
	r := e.reconciler("one", func(o *Options) { o.MaxPerRound = 3 })
	// Each round reads three, the first of them the last one read before
	// (Twilio's dates are to the second, and more may share it).
	for round, want := range []int{3, 5, 7, 7} {
		if ran, err := r.Round(ctx); !ran || err != nil {
			t.Fatalf("round %d = %v, %v", round+1, ran, err)
		}
		stored := 0
		for i := range 7 {
			if _, err := e.store.FindSource(ctx, "twilio:sms:"+sid("SM", i+1)); err == nil {
				stored++
			}
		}
		if stored != want {
			t.Fatalf("after round %d: %d texts stored, want %d", round+1, stored, want)
		}
	}
	st, err := r.loadState(ctx, "messages:"+ourNumber)
	if err != nil || st.Target != 0 || st.Watermark != e.now.Add(-DefaultSettle).UnixMilli() {
		t.Fatalf("state after the last round = %+v, %v; want the watermark at now - settle", st, err)
	}
	if got := e.count(kindMessage, resultFiled); got != 7 {
		t.Errorf("filed %v, want 7", got)
	}
}

// Twilio's API failing cuts the round short and moves no watermark.
func TestAPIDownMovesNothing(t *testing.T) {
	e := newEnv(t)
	e.fake.AddMessage(sid("SM", 1), caller(1), ourNumber, "inbound", "hello", 0, e.now.Add(-time.Hour))
	cfg := e.cfg.Twilio
	cfg.AuthToken = "wrong"
	r := New(cfg, "fd", e.rdb, e.intake, e.store, &Options{Logger: slog.New(slog.DiscardHandler), Instance: "one",
		Now: func() time.Time { return e.now }})
	ran, err := r.Round(context.Background())
	if !ran || err == nil {
		t.Fatalf("round with a refused API = %v, %v; want an error", ran, err)
	}
	if st, _ := r.loadState(context.Background(), "messages:"+ourNumber); st != (listState{}) {
		t.Fatalf("state moved: %+v", st)
	}
	e.notStored("twilio:sms:" + sid("SM", 1))
}

// A list's watermark moves only once the store would keep what it filed:
// with Durable failing, the round ends unavailable and the next one looks
// at the same items again (and files nothing twice).
func TestWatermarkWaitsForDurable(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.fake.AddMessage(sid("SM", 1), caller(1), ourNumber, "inbound", "hello", 0, e.now.Add(-time.Hour))
	durable := fault.Unavailable(errors.New("WAITAOF timed out"))
	r := e.reconciler("one", func(o *Options) { o.Durable = func(context.Context) error { return durable } })
	if ran, err := r.Round(ctx); !ran || !fault.IsUnavailable(err) {
		t.Fatalf("round = %v, %v; want unavailable", ran, err)
	}
	if st, _ := r.loadState(ctx, "recordings"); st.Watermark == 0 {
		t.Errorf("the recordings list, which filed nothing, should have moved on: %+v", st)
	}
	if st, _ := r.loadState(ctx, "messages:"+ourNumber); st != (listState{}) {
		t.Fatalf("the messages list moved before Durable: %+v", st)
	}
	durable = nil
	if ran, err := r.Round(ctx); !ran || err != nil {
		t.Fatalf("round = %v, %v", ran, err)
	}
	if st, _ := r.loadState(ctx, "messages:"+ourNumber); st.Watermark == 0 {
		t.Fatalf("the messages list did not move: %+v", st)
	}
	if tickets, kinds := e.messages(); tickets != 1 || kinds[ticket.KindSMS] != 1 {
		t.Fatalf("%d tickets, %v", tickets, kinds)
	}
}
