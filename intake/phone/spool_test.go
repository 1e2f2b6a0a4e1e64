package phone

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"frontdesk/fault"
	"frontdesk/spool"
)

// errDown is what a Sink returns while Redis is down.
var errDown = fmt.Errorf("store sms: %w", fault.Unavailable(errors.New("dial tcp 127.0.0.1:6379: connect: connection refused")))

// openSpool opens a spool file in dir, closed at the end of the test.
func openSpool(t testing.TB, dir string, opts *spool.Options) *spool.Spool {
	t.Helper()
	sp, err := spool.Open(filepath.Join(dir, "twilio.spool"), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sp.Close() })
	return sp
}

// smsForm is the form of text n.
func smsForm(n int) url.Values {
	return url.Values{"AccountSid": {testAccount}, "MessageSid": {sid("SM", n)}, "Body": {fmt.Sprint("text ", n)},
		"From": {"+31612345678"}, "To": {"+15555550100"}}
}

// sids lists the SIDs of the events a sink stored, in order.
func sids(events []any) []string {
	var out []string
	for _, e := range events {
		switch e := e.(type) {
		case SMS:
			out = append(out, e.MessageSID)
		case Call:
			out = append(out, e.CallSID)
		case CallStatus:
			out = append(out, e.CallSID+" "+e.CallStatus)
		case Recording:
			out = append(out, e.RecordingSID)
		default:
			out = append(out, fmt.Sprintf("%T", e))
		}
	}
	return out
}

// With the store down, signed webhooks are spooled and answered as if
// stored; once it is back, Drain hands them to the Sink in the order they
// came, each once, and the spool is empty.
func TestStoreDownWebhooksSpooledThenReplayedInOrder(t *testing.T) {
	dir := t.TempDir()
	e := newEnv(t, func(o *Options) { o.Spool = openSpool(t, dir, nil) })
	e.sink.setErr(errDown)

	callForm := url.Values{"AccountSid": {testAccount}, "CallSid": {sid("CA", 7)}, "From": {"+31612345678"}, "To": {"+15555550100"}}
	recForm := url.Values{"AccountSid": {testAccount}, "CallSid": {sid("CA", 7)}, "RecordingSid": {sid("RE", 7)},
		"RecordingUrl": {"https://api.twilio.com/rec"}, "RecordingStatus": {"completed"}}
	statusForm := url.Values{"AccountSid": {testAccount}, "CallSid": {sid("CA", 7)}, "CallStatus": {"completed"}}
	posts := []struct {
		path string
		form url.Values
		want int
	}{
		{pathSMS, smsForm(1), http.StatusOK},
		{pathVoice, callForm, http.StatusOK},
		{pathSMS, smsForm(2), http.StatusOK},
		{pathRecording, recForm, http.StatusNoContent},
		{pathStatus, statusForm, http.StatusNoContent},
		{pathSMS, smsForm(3), http.StatusOK},
	}
	for i, p := range posts {
		e.clock.advance(time.Second)
		resp, body := e.post(t, p.path, p.form, "")
		if resp.StatusCode != p.want {
			t.Fatalf("post %d to %s: %d %s, want %d", i, p.path, resp.StatusCode, body, p.want)
		}
		if p.path == pathVoice && !strings.Contains(body, "<Record") {
			t.Errorf("a spooled call still hears the greeting and records: %s", body)
		}
	}
	if n := len(e.sink.stored()); n != 0 {
		t.Fatalf("sink stored %d while down", n)
	}
	if got := testutil.ToFloat64(e.wh.m.spooledTotal.WithLabelValues(pathSMS)); got != 3 {
		t.Errorf("spooled_total{path=/twilio/sms} = %v, want 3", got)
	}
	if got := testutil.ToFloat64(e.wh.m.requests.WithLabelValues(pathSMS, "503")); got != 0 {
		t.Errorf("%v webhooks answered 503", got)
	}
	if e.log.Count("kept in the spool") != 1 {
		t.Errorf("want one warning per path and minute:\n%s", e.log)
	}

	// Still down: Drain replays nothing and keeps everything.
	if n, err := e.wh.Drain(context.Background()); n != 0 || !fault.IsUnavailable(err) {
		t.Fatalf("drain while down = %d, %v", n, err)
	}
	if st := e.wh.opts.Spool.Stats(); st.Pending != len(posts) {
		t.Fatalf("spool holds %d, want %d", st.Pending, len(posts))
	}

	e.sink.setErr(nil)
	n, err := e.wh.Drain(context.Background())
	if err != nil || n != len(posts) {
		t.Fatalf("drain = %d, %v", n, err)
	}
	want := []string{sid("SM", 1), sid("CA", 7), sid("SM", 2), sid("RE", 7), sid("CA", 7) + " completed", sid("SM", 3)}
	if got := sids(e.sink.stored()); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("replayed\n%v\nwant\n%v", got, want)
	}
	// Each event is read as it was when it came.
	first := e.sink.stored()[0].(SMS)
	if !first.Received.Equal(openTime.Add(time.Second)) || first.Body != "text 1" || first.Number.Queue != "phone" {
		t.Errorf("replayed SMS = %+v", first)
	}
	if st := e.wh.opts.Spool.Stats(); st.Pending != 0 || st.Size != 0 {
		t.Errorf("spool after draining: %+v", st)
	}
	if got := testutil.ToFloat64(e.wh.m.replayedTotal); got != float64(len(posts)) {
		t.Errorf("spool_replayed_total = %v", got)
	}
	if n, err := e.wh.Drain(context.Background()); n != 0 || err != nil {
		t.Errorf("second drain = %d, %v", n, err)
	}
}

// While the spool holds webhooks, a new one joins them without trying the
// store, so that the Sink sees them in the order they came.
func TestNewWebhooksQueueBehindSpooled(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.Spool = openSpool(t, t.TempDir(), nil) })
	e.sink.setErr(errDown)
	if resp, _ := e.post(t, pathSMS, smsForm(1), ""); resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	e.sink.setErr(nil) // the store is back, but the drainer has not run yet
	if resp, _ := e.post(t, pathSMS, smsForm(2), ""); resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if n := len(e.sink.stored()); n != 0 {
		t.Fatalf("the second text reached the sink before the first")
	}
	if _, err := e.wh.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := sids(e.sink.stored()); strings.Join(got, ",") != sid("SM", 1)+","+sid("SM", 2) {
		t.Fatalf("stored %v", got)
	}
	// With the spool empty, webhooks go straight to the store again.
	if resp, _ := e.post(t, pathSMS, smsForm(3), ""); resp.StatusCode != http.StatusOK || len(e.sink.stored()) != 3 {
		t.Fatalf("status %d, %d stored", resp.StatusCode, len(e.sink.stored()))
	}
	if st := e.wh.opts.Spool.Stats(); st.Pending != 0 {
		t.Errorf("spool holds %d", st.Pending)
	}
}

// Durable failing, or a Sink slower than SinkTimeout, is the store not
// taking the webhook either: spooled.
func TestDurableFailureAndTimeoutSpool(t *testing.T) {
	durable := errors.New("")
	e := newEnv(t, func(o *Options) {
		o.Spool = openSpool(t, t.TempDir(), nil)
		o.SinkTimeout = 50 * time.Millisecond
		o.Durable = func(context.Context) error { return durable }
	})
	durable = fault.Unavailable(errors.New("WAITAOF timed out"))
	if resp, body := e.post(t, pathSMS, smsForm(1), ""); resp.StatusCode != http.StatusOK {
		t.Fatalf("durable down: %d %s", resp.StatusCode, body)
	}
	if st := e.wh.opts.Spool.Stats(); st.Pending != 1 {
		t.Fatalf("spool holds %d after a failed Durable", st.Pending)
	}
	// Replayed: the Sink stored it, but Durable still fails, so it stays.
	if _, err := e.wh.Drain(context.Background()); !fault.IsUnavailable(err) {
		t.Fatalf("drain = %v", err)
	}
	if st := e.wh.opts.Spool.Stats(); st.Pending != 1 {
		t.Fatalf("removed before Durable succeeded: %+v", st)
	}
	durable = nil
	if n, err := e.wh.Drain(context.Background()); n != 1 || err != nil {
		t.Fatalf("drain = %d, %v", n, err)
	}

	e2 := newEnv(t, func(o *Options) {
		o.Spool = openSpool(t, t.TempDir(), nil)
		o.SinkTimeout = 20 * time.Millisecond
	})
	e2.sink.delay = time.Minute // a Redis that does not answer
	if resp, body := e2.post(t, pathSMS, smsForm(2), ""); resp.StatusCode != http.StatusOK {
		t.Fatalf("slow sink: %d %s", resp.StatusCode, body)
	}
	if st := e2.wh.opts.Spool.Stats(); st.Pending != 1 {
		t.Fatalf("spool holds %d after a slow sink", st.Pending)
	}
}

// A full spool answers 503 as without one, and says so in the log.
func TestFullSpoolAnswers503(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.Spool = openSpool(t, t.TempDir(), &spool.Options{MaxSize: 300}) })
	e.sink.setErr(errDown)
	if resp, _ := e.post(t, pathSMS, smsForm(1), ""); resp.StatusCode != http.StatusOK {
		t.Fatalf("first: status %d", resp.StatusCode)
	}
	resp, body := e.post(t, pathSMS, smsForm(2), "")
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("spool full: status %d, Retry-After %q: %s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	if e.log.Count("answered 503") != 1 || e.log.Count("spool full") != 1 {
		t.Errorf("want the full spool logged:\n%s", e.log)
	}
	if st := e.wh.opts.Spool.Stats(); st.Pending != 1 {
		t.Errorf("spool holds %d", st.Pending)
	}
}

// Refused webhooks (a wrong signature, bad SIDs) never reach the spool, and
// neither do other failures than an unavailable store.
func TestOnlyCheckedWebhooksAreSpooled(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.Spool = openSpool(t, t.TempDir(), nil) })
	e.sink.setErr(errDown)
	if resp, _ := e.post(t, pathSMS, smsForm(1), "bad-signature"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("bad signature: %d", resp.StatusCode)
	}
	bad := smsForm(2)
	bad.Set("MessageSid", "SM123")
	if resp, _ := e.post(t, pathSMS, bad, ""); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("malformed SID: %d", resp.StatusCode)
	}
	e.sink.setErr(errors.New("a bug"))
	if resp, _ := e.post(t, pathSMS, smsForm(3), ""); resp.StatusCode != http.StatusInternalServerError {
		t.Errorf("other failure: %d", resp.StatusCode)
	}
	if resp, _ := e.post(t, pathAfterRecord, url.Values{"AccountSid": {testAccount}}, ""); resp.StatusCode != http.StatusOK {
		t.Errorf("after-record: %d", resp.StatusCode)
	}
	if st := e.wh.opts.Spool.Stats(); st.Pending != 0 {
		t.Errorf("spool holds %d", st.Pending)
	}
}

// Spooled webhooks outlive the process that spooled them: a new Webhooks on
// the same spool file (the process restarted, its memory gone) replays them.
func TestSpoolOutlivesTheWebhooks(t *testing.T) {
	dir := t.TempDir()
	sp, err := spool.Open(filepath.Join(dir, "twilio.spool"), nil)
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, func(o *Options) { o.Spool = sp })
	e.sink.setErr(errDown)
	for i := range 3 {
		req := smsForm(i + 1)
		if resp, _ := e.post(t, pathSMS, req, ""); resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d", resp.StatusCode)
		}
	}
	if err := sp.Close(); err != nil {
		t.Fatal(err)
	}

	e2 := newEnv(t, func(o *Options) { o.Spool = openSpool(t, dir, nil) })
	if n, err := e2.wh.Drain(context.Background()); n != 3 || err != nil {
		t.Fatalf("drain after restart = %d, %v", n, err)
	}
	if got := sids(e2.sink.stored()); strings.Join(got, ",") != strings.Join([]string{sid("SM", 1), sid("SM", 2), sid("SM", 3)}, ",") {
		t.Fatalf("stored %v", got)
	}
}

// failingSink fails one SID with an error that is not unavailability.
type failingSink struct {
	*fakeSink
	sid string
}

func (s failingSink) SMS(ctx context.Context, m SMS) error {
	if m.MessageSID == s.sid {
		return errors.New("the store refuses this text")
	}
	return s.fakeSink.SMS(ctx, m)
}

// A spooled webhook that fails for another reason than the store being
// down is tried replayAttempts times, then set aside, so that the ones
// behind it are stored.
func TestFailingReplaySetAside(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.Spool = openSpool(t, t.TempDir(), nil) })
	e.wh.sink = failingSink{fakeSink: e.sink, sid: sid("SM", 2)}
	e.sink.setErr(errDown)
	for i := range 3 {
		if resp, _ := e.post(t, pathSMS, smsForm(i+1), ""); resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d", resp.StatusCode)
		}
	}
	e.sink.setErr(nil)
	for try := 1; try < replayAttempts; try++ {
		if _, err := e.wh.Drain(context.Background()); err == nil || fault.IsUnavailable(err) {
			t.Fatalf("drain %d = %v, want the text's failure", try, err)
		}
	}
	if got := sids(e.sink.stored()); len(got) != 1 {
		t.Fatalf("stored %v before setting aside", got)
	}
	if n, err := e.wh.Drain(context.Background()); n != 1 || err != nil {
		t.Fatalf("last drain = %d, %v", n, err)
	}
	if got := sids(e.sink.stored()); strings.Join(got, ",") != sid("SM", 1)+","+sid("SM", 3) {
		t.Fatalf("stored %v", got)
	}
	if st := e.wh.opts.Spool.Stats(); st.Pending != 0 || st.Aside != 1 {
		t.Errorf("spool: %+v", st)
	}
	if e.log.Count("set aside") != 1 || e.log.Count(sid("SM", 2)) == 0 {
		t.Errorf("want the webhook logged when set aside:\n%s", e.log)
	}
}

// RunSpool drains by itself once the store is back.
func TestRunSpoolDrainsWhenTheStoreIsBack(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.Spool = openSpool(t, t.TempDir(), nil) })
	e.sink.setErr(errDown)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { e.wh.RunSpool(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	if resp, _ := e.post(t, pathSMS, smsForm(1), ""); resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	e.sink.setErr(nil)
	deadline := time.Now().Add(30 * time.Second)
	for len(e.sink.stored()) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("not replayed within 30 s:\n%s", e.log)
		}
		time.Sleep(10 * time.Millisecond)
	}
	for e.wh.opts.Spool.Stats().Pending != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("spool not emptied")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
