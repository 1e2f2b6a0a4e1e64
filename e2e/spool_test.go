package e2e

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"frontdesk/intake/phone"
)

// spoolPrefix is redis.prefix in the spool test (its Redis is its own).
const spoolPrefix = "spool"

// writeSpoolConfig writes the configuration of an instance with Twilio on
// r, its spool in a directory of its own, and no reconciliation.
func writeSpoolConfig(t *testing.T, r *loadRedis) *setup {
	t.Helper()
	dir := t.TempDir()
	addr := freeAddr(t)
	var b strings.Builder
	fmt.Fprintf(&b, "redis:\n%s  prefix: %q\n", r.yaml(), spoolPrefix)
	fmt.Fprintf(&b, "http:\n  listen: %q\n  public_url: %q\n", addr, loadPublicURL)
	b.WriteString("log:\n  level: info\n  format: json\n")
	fmt.Fprintf(&b, "twilio:\n  account_sid: %s\n  auth_token: %s\n  api_url: \"http://127.0.0.1:9\"\n", loadAccountSID, loadAuthToken)
	fmt.Fprintf(&b, "  default_queue: phone\n  numbers:\n    - number: %q\n      queue: phone\n", loadNumber)
	fmt.Fprintf(&b, "  spool_dir: %q\n  reconcile_interval: 0\n", filepath.Join(dir, "spool"))
	b.WriteString("queues:\n  - name: phone\n")
	s := &setup{
		config:   filepath.Join(dir, "frontdesk.yaml"),
		log:      filepath.Join(dir, "frontdesk.log"),
		url:      "http://" + addr,
		instance: "spool-1",
	}
	if err := os.WriteFile(s.config, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestWebhooksSpooledThroughRedisOutage: with Redis stopped, signed SMS
// webhooks are answered 200 (not 503, which Twilio would not retry); the
// instance is then SIGKILLed before Redis is back, and started again: every
// text becomes a ticket message once, and redelivering them all stores
// nothing new.
func TestWebhooksSpooledThroughRedisOutage(t *testing.T) {
	r := startSingleRedis(t)
	quietRedisDials(t)
	s := writeSpoolConfig(t, r)
	p := start(t, s)
	p.waitReady(t)

	const n = 20
	feed := newHookFeed(nil, n) // only its post
	post := func(j int) int {
		t.Helper()
		params := smsParams(j)
		status, _, err := feed.post(context.Background(), s.url+"/twilio/sms", params.Encode(),
			phone.Sign(loadAuthToken, loadPublicURL+"/twilio/sms", params), fmt.Sprintf("token-%d", j))
		if err != nil {
			t.Fatalf("webhook %d: %v", j, err)
		}
		return status
	}

	r.down(t)
	for j := range n {
		if status := post(j); status != http.StatusOK {
			t.Fatalf("webhook %d with Redis down: %d, want 200\n%s", j, status, tail(s.log, 20))
		}
	}
	if v, _ := p.metric(t, "frontdesk_twilio_spool_entries"); v != n {
		t.Fatalf("frontdesk_twilio_spool_entries = %v, want %d", v, n)
	}
	if v, _ := p.metric(t, `frontdesk_twilio_spooled_total{path="/twilio/sms"}`); v != n {
		t.Fatalf("frontdesk_twilio_spooled_total = %v, want %d", v, n)
	}

	// The process dies with the texts only in its spool.
	p.kill(t)
	r.up(t)
	p = start(t, s)
	p.waitReady(t)

	ctx := context.Background()
	sources := spoolPrefix + ":{desk}:sources"
	deadline := time.Now().Add(60 * time.Second)
	for {
		missing := 0
		for j := range n {
			ok, err := r.client.HExists(ctx, sources, "twilio:sms:"+smsSID(j)).Result()
			if err != nil {
				t.Fatal(err)
			}
			if !ok {
				missing++
			}
		}
		// Stored, and out of the spool (removed once the batch is durable).
		if v, _ := p.metric(t, "frontdesk_twilio_spool_entries"); missing == 0 && v == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d spooled texts not stored (or not out of the spool) within 60 s of the restart\n%s", missing, n, tail(s.log, 30))
		}
		time.Sleep(100 * time.Millisecond)
	}

	if v, _ := p.metric(t, "frontdesk_twilio_spool_replayed_total"); v != n {
		t.Errorf("frontdesk_twilio_spool_replayed_total = %v, want %d", v, n)
	}

	// Twilio's redeliveries, now straight to Redis, change nothing.
	for j := range n {
		if status := post(j); status != http.StatusOK {
			t.Fatalf("redelivery %d: %d", j, status)
		}
	}
	tickets, err := r.client.ZCard(ctx, spoolPrefix+":{desk}:tickets").Result()
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(n / smsPerCaller); tickets != want {
		t.Errorf("%d tickets, want %d (two texts per caller thread onto one)", tickets, want)
	}
	stored, err := r.client.HLen(ctx, sources).Result()
	if err != nil {
		t.Fatal(err)
	}
	if stored != n {
		t.Errorf("%d source keys, want %d", stored, n)
	}
	var messages int64
	ids, err := r.client.ZRange(ctx, spoolPrefix+":{desk}:tickets", 0, -1).Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		m, err := r.client.LLen(ctx, spoolPrefix+":{desk}:ticket:"+id+":messages").Result()
		if err != nil {
			t.Fatal(err)
		}
		messages += m
	}
	if messages != n {
		t.Errorf("%d messages, want %d", messages, n)
	}
	if v, _ := p.metric(t, `frontdesk_twilio_spooled_total{path="/twilio/sms"}`); v != 0 {
		t.Errorf("%v redeliveries spooled with Redis up, want 0", v)
	}
	p.stop(t)
}
