package phonetickets

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"frontdesk/fault"
	"frontdesk/intake/phone"
	"frontdesk/spool"
	"frontdesk/ticket"
)

// spoolAt opens a spool in dir for the test.
func spoolAt(t *testing.T, dir string) *spool.Spool {
	t.Helper()
	sp, err := spool.Open(filepath.Join(dir, "twilio.spool"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sp.Close() })
	return sp
}

// drainAll drains the spool until it is empty, waiting out a Redis that is
// not yet reachable again (go-redis's pool answers with its last dial error
// for a moment after a restart), for at most 30 s. It returns how many
// webhooks were replayed, and the last error.
func drainAll(t *testing.T, d *phoneDesk) (int, error) {
	t.Helper()
	total := 0
	deadline := time.Now().Add(30 * time.Second)
	for {
		n, err := d.phone.Drain(context.Background())
		total += n
		if !fault.IsUnavailable(err) || time.Now().After(deadline) {
			return total, err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitForRedis waits until the restarted Redis answers the desk's client.
func waitForRedis(t *testing.T, d *phoneDesk) {
	t.Helper()
	eventually(t, "Redis answers again", func() bool {
		_, err := d.store.FindSource(context.Background(), "nothing")
		return !fault.IsUnavailable(err)
	})
}

// With Redis down, a call with its voicemail, an MMS and a fax, each
// webhook delivered twice, are answered as done; once Redis is back the
// spool replays them and they are three tickets, each message once, as if
// they had come with Redis up.
func TestRedisDownWebhooksSpooledAndStoredOnce(t *testing.T) {
	sp := spoolAt(t, t.TempDir())
	d := newDeskWith(t, func(o *phone.Options) { o.Spool = sp })
	d.mr.Close()
	hooks := d.callSMSAndFax()
	for _, h := range append(hooks, hooks...) {
		if code := d.post(h.path, h.form); code >= 300 {
			t.Fatalf("POST %s with Redis down: %d, want 2xx", h.path, code)
		}
	}
	if err := d.mr.Restart(); err != nil {
		t.Fatal(err)
	}
	n, err := drainAll(t, d)
	if err != nil || n != 2*len(hooks) {
		t.Fatalf("drain = %d, %v; want %d", n, err, 2*len(hooks))
	}
	d.checkCallSMSAndFax(t)
	if st := sp.Stats(); st.Pending != 0 {
		t.Errorf("spool still holds %d", st.Pending)
	}
}

// A replay cut off after the Sink stored a webhook but before it was
// removed from the spool (here: Durable fails, as it would if the process
// died there) replays it again, and the store keeps it once.
func TestReplayInterruptedBeforeRemovalStoresOnce(t *testing.T) {
	var failDurable atomic.Bool
	sp := spoolAt(t, t.TempDir())
	d := newDeskWith(t, func(o *phone.Options) {
		o.Spool = sp
		o.Durable = func(context.Context) error {
			if failDurable.Load() {
				return fault.Unavailable(errors.New("the process died here"))
			}
			return nil
		}
	})
	d.mr.Close()
	hooks := d.callSMSAndFax()
	for _, h := range hooks {
		if code := d.post(h.path, h.form); code >= 300 {
			t.Fatalf("POST %s: %d", h.path, code)
		}
	}
	if err := d.mr.Restart(); err != nil {
		t.Fatal(err)
	}
	waitForRedis(t, d)
	failDurable.Store(true)
	if n, err := d.phone.Drain(context.Background()); n != 0 || !fault.IsUnavailable(err) {
		t.Fatalf("interrupted drain = %d, %v", n, err)
	}
	if got := len(d.tickets()); got != 3 {
		t.Fatalf("%d tickets after the interrupted replay, want 3 (stored, not yet removed)", got)
	}
	if st := sp.Stats(); st.Pending != len(hooks) {
		t.Fatalf("spool holds %d, want all %d still", st.Pending, len(hooks))
	}
	failDurable.Store(false)
	if n, err := d.phone.Drain(context.Background()); n != len(hooks) || err != nil {
		t.Fatalf("drain = %d, %v", n, err)
	}
	d.checkCallSMSAndFax(t)
}

// Spooled webhooks survive the process: a new intake on the same spool file,
// after the first one's memory is gone, stores them.
func TestSpooledWebhooksSurviveARestart(t *testing.T) {
	dir := t.TempDir()
	sp, err := spool.Open(filepath.Join(dir, "twilio.spool"), nil)
	if err != nil {
		t.Fatal(err)
	}
	d := newDeskWith(t, func(o *phone.Options) { o.Spool = sp })
	d.mr.Close()
	sms := d.callSMSAndFax()[4]
	if code := d.post(sms.path, sms.form); code != http.StatusOK {
		t.Fatalf("POST: %d", code)
	}
	if err := sp.Close(); err != nil { // the process is gone
		t.Fatal(err)
	}

	// A new process, on a Redis that is up, with the same spool.
	d2 := newDeskWith(t, func(o *phone.Options) { o.Spool = spoolAt(t, dir) })
	d2.media = d.media
	if n, err := drainAll(t, d2); n != 1 || err != nil {
		t.Fatalf("drain = %d, %v", n, err)
	}
	ts := d2.tickets()
	if len(ts) != 1 || ts[0].Channel != ticket.ChannelSMS || ts[0].Messages[0].Text != "Here is a photo of the damage" {
		t.Fatalf("tickets = %+v", ts)
	}
}
