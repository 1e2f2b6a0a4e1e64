package e2e

import (
	"os"
	"testing"
	"time"

	"frontdesk/internal/testdovecot"
)

// loadSize is how much a load run sends and when its faults come, as
// offsets from the start of the feed.
type loadSize struct {
	name    string
	mails   int // across the three mailboxes
	callers int // each sends smsPerCaller texts, each text's webhook delivered twice
	// spread: mails and webhooks are sent at an even pace over this long.
	spread time.Duration
	// redisCrashAt: the Redis holding the desk keys is killed (SIGKILL) and
	// started again from its AOF.
	redisCrashAt time.Duration
	// redisDownAt, redisDown: every Redis node is stopped for this long.
	redisDownAt, redisDown time.Duration
	// smtpDownAt, smtpDown: the SMTP server is stopped for this long;
	// replies are sent through the API meanwhile.
	smtpDownAt, smtpDown time.Duration
	replies              int
	// failoverAt, lag (the cluster only): the desk master's replica is
	// paused (SIGSTOP) for lag, then the master's host crashes and the
	// replica, resumed, is promoted; the old master comes back as a replica.
	failoverAt, lag time.Duration
	// fullAt, full: every master is made full (maxmemory under its use,
	// noeviction) for this long: /readyz must answer 503, webhooks be
	// spooled and answered 200.
	fullAt, full time.Duration
	// hangAt, hang: the IMAP server of one mailbox hangs mid-FETCH on every
	// connection for this long (0: not at all); no instance is killed
	// meanwhile, so that only the instances' own deadlines can end it.
	hangAt, hang time.Duration
	// killMin, killMax: one instance is killed with SIGKILL every so often
	// (a random wait between the two), and started again under its name.
	killMin, killMax time.Duration
	// longDownEvery, longDown: every so many kills, the instance stays down
	// this long (past its 30 s mailbox leases) before it starts again.
	longDownEvery int
	longDown      time.Duration
	// waitLeases: after the last kill, wait for the sends that a killed
	// worker held under its lease (1 minute) to be delivered or marked
	// unknown; then a send still pending is a failure.
	waitLeases bool
	// deadline bounds the whole run, from the start of the feed.
	deadline time.Duration
}

var (
	// fullLoad is the run the issue asks for: FRONTDESK_LOAD=full.
	fullLoad = loadSize{
		name: "full", mails: 10000, callers: 1000, spread: 150 * time.Second,
		redisCrashAt: 30 * time.Second, redisDownAt: 55 * time.Second, redisDown: 30 * time.Second,
		smtpDownAt: 95 * time.Second, smtpDown: 60 * time.Second, replies: 100,
		failoverAt: 40 * time.Second, lag: 3 * time.Second, fullAt: 100 * time.Second, full: 8 * time.Second,
		hangAt: 115 * time.Second, hang: 45 * time.Second,
		killMin: 3 * time.Second, killMax: 6 * time.Second, longDownEvery: 8, longDown: 40 * time.Second,
		waitLeases: true, deadline: 20 * time.Minute,
	}
	// shortLoad is what `go test ./...` and CI run.
	shortLoad = loadSize{
		name: "short", mails: 300, callers: 75, spread: 20 * time.Second,
		redisCrashAt: 8 * time.Second, failoverAt: time.Second, lag: 2 * time.Second,
		redisDownAt: 10 * time.Second, redisDown: 3 * time.Second, fullAt: 14 * time.Second, full: 3 * time.Second,
		smtpDownAt: 15 * time.Second, smtpDown: 8 * time.Second, replies: 10,
		killMin: 2 * time.Second, killMax: 4 * time.Second, waitLeases: true, deadline: 150 * time.Second,
	}
	// tinyLoad is the short run under -short.
	tinyLoad = loadSize{
		name: "short (-short)", mails: 150, callers: 30, spread: 12 * time.Second,
		redisCrashAt: 6 * time.Second, failoverAt: time.Second, lag: time.Second,
		redisDownAt: 8 * time.Second, redisDown: 2 * time.Second, fullAt: 10 * time.Second, full: 2 * time.Second,
		smtpDownAt: 11 * time.Second, smtpDown: 5 * time.Second, replies: 5,
		killMin: 2 * time.Second, killMax: 4 * time.Second, waitLeases: true, deadline: 120 * time.Second,
	}
)

// chooseLoadSize reads FRONTDESK_LOAD: "full" for the full run, "short" or
// nothing for the short one (smaller still under -short).
func chooseLoadSize(t *testing.T) loadSize {
	t.Helper()
	switch v := os.Getenv("FRONTDESK_LOAD"); v {
	case "full":
		return fullLoad
	case "", "short":
		if testing.Short() {
			return tinyLoad
		}
		return shortLoad
	default:
		t.Fatalf("FRONTDESK_LOAD=%q: want full or short", v)
		return loadSize{}
	}
}

// TestLoad is the proof under load and faults: three `frontdesk serve`
// instances on one Redis, then on a Redis Cluster of three masters, take in
// mail from three Dovecot mailboxes and signed Twilio webhooks (each
// delivered twice) while one instance is killed with SIGKILL every few
// seconds, Redis crashes and later stays down for a while, and the SMTP
// server is down for a while; in the end every mail and text is exactly one
// message on exactly the expected ticket, and every acknowledgement and
// reply arrived once. The figures are logged as one table, and written to
// $FRONTDESK_LOAD_REPORT when set. FRONTDESK_LOAD=full runs the full size
// (docs/load.md); the default is a short run.
func TestLoad(t *testing.T) {
	size := chooseLoadSize(t)
	redisTools(t)
	testdovecot.Binary(t)
	quietRedisDials(t)
	targets := []struct {
		name, title string
		start       func(*testing.T) *loadRedis
	}{
		{"redis", "single Redis", startSingleRedis},
		{"cluster", "Redis Cluster, 3 masters + 3 replicas", startClusterRedis},
	}
	var results []*loadResult
	for _, target := range targets {
		res := &loadResult{target: target.title}
		t.Run(target.name, func(t *testing.T) { runLoad(t, size, target.start(t), res) })
		if res.filled { // not when filtered out by -run or stopped early
			results = append(results, res)
		}
	}
	if len(results) == 0 {
		return
	}
	report := loadReport(size, time.Now(), results)
	t.Log("\n" + report)
	if path := os.Getenv("FRONTDESK_LOAD_REPORT"); path != "" {
		if err := os.WriteFile(path, []byte(report), 0o644); err != nil {
			t.Errorf("write FRONTDESK_LOAD_REPORT: %v", err)
		}
	}
}
