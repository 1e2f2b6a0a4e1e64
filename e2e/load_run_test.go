package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"frontdesk/internal/testdovecot"
	"frontdesk/internal/testimap"
	"frontdesk/internal/testtwilio"
)

// hungMailbox is the mailbox whose IMAP server hangs in a load run: the
// instances reach its Dovecot through a testimap.Stall proxy.
const hungMailbox = "sales"

// loadRun is one load run in progress: its servers, its instances and what
// it has sent.
type loadRun struct {
	t       *testing.T
	size    loadSize
	redis   *loadRedis
	res     *loadResult
	srv     *testdovecot.Server
	sink    *loadSink
	fleet   *loadFleet
	mails   *mailFeed
	hooks   *hookFeed
	replies *replyFeed
	leases  *leaseWatch
	stall   *testimap.Stall // in front of hungMailbox's server
	// twilio is Twilio's REST API: it lists every text the feed sends, so
	// that the instances' reconciliation can file the texts whose webhooks
	// never got through (every instance down at once).
	twilio *testtwilio.Server
	// events are the faults still to come, in order of their offsets.
	events []loadEvent
	// noKills: no instance is killed meanwhile (the hung IMAP server).
	noKills bool
	// kills are the moments an instance was killed: the only death that
	// excuses a send or a webhook cut short.
	kills []time.Time
	// faults are the moments an instance or Redis died (killed, crashed or
	// stopped): what may cut a send short between its "sent" record and the
	// SMTP server's answer (the responders' documented at-most-once window).
	faults   []time.Time
	smtpBack time.Time // when the SMTP server came back
	// missing is how many mails and texts were not stored at the last
	// look, since missingSince.
	missing      int
	missingSince time.Time
	begin        time.Time
}

// runLoad runs one load of the given size against r and fills res.
func runLoad(t *testing.T, size loadSize, r *loadRedis, res *loadResult) {
	lr := &loadRun{t: t, size: size, redis: r, res: res}
	lr.setUp()
	lr.drive()
	lr.check()
}

// setUp starts Dovecot with the three mailboxes, the SMTP sink and the three
// instances, and makes the assistant whose token sends the replies.
func (lr *loadRun) setUp() {
	t := lr.t
	lr.srv = testdovecot.Start(t, loadMailboxes...)
	hung := lr.srv.Mailbox(hungMailbox)
	lr.stall = testimap.Start(t, net.JoinHostPort(hung.Host, strconv.Itoa(hung.Port)))
	lr.mails = &mailFeed{drops: map[string]*maildirDrop{}, n: lr.size.mails, delivered: make([]time.Time, lr.size.mails)}
	for _, box := range loadMailboxes {
		lr.mails.drops[box] = newMaildirDrop(t, lr.srv, box)
	}
	sink, err := startLoadSink()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sink.close)
	lr.sink = sink
	lr.twilio = testtwilio.New(t, loadAccountSID, loadAuthToken)
	lr.fleet = &loadFleet{}
	for i := range loadInstances {
		s := writeLoadConfig(t, lr.redis, lr.srv, lr.stall, sink.port(), lr.twilio.URL, fmt.Sprintf("load-%d", i+1))
		if i == loadInstances-1 {
			// Clock skew: this instance's own clock runs ahead. Leases and
			// due times come from Redis's TIME, so it must not matter.
			s.env = append(s.env, "FRONTDESK_TEST_CLOCK_SKEW="+loadSkew.String())
		}
		// Under the fleet's lock: the instances started before check
		// their health meanwhile, reading the list.
		lr.fleet.mu.Lock()
		lr.fleet.inst = append(lr.fleet.inst, &loadInstance{s: s})
		lr.fleet.mu.Unlock()
		lr.fleet.start(t, i)
	}
	for _, in := range lr.fleet.inst {
		in.p.waitReady(t)
	}
	out, err := exec.Command(binary, "users", "add", "-config", lr.fleet.inst[0].s.config, "-role", "assistant", "loadbot").Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("users add: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("users add: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	client := &http.Client{Timeout: 15 * time.Second}
	lr.replies = &replyFeed{urls: lr.fleet.urls(), token: lines[len(lines)-1], client: client, sent: map[string]string{}}
	lr.hooks = newHookFeed(lr.fleet, lr.size.callers*smsPerCaller)
	lr.hooks.twilio = lr.twilio
	lr.leases = &leaseWatch{fleet: lr.fleet, rdb: lr.redis.client, client: &http.Client{Timeout: 2 * time.Second}}
}

// loadInstances is how many instances a load run has; loadSkew is how far
// the last one's clock runs ahead.
const (
	loadInstances = 3
	loadSkew      = 3 * time.Minute
)

// loadEvent is a fault, or its end, at an offset from the start of the feed.
type loadEvent struct {
	at time.Duration
	do func()
}

// at schedules do at offset d from the start of the feed.
func (lr *loadRun) at(d time.Duration, do func()) {
	i := len(lr.events)
	for i > 0 && lr.events[i-1].at > d {
		i--
	}
	lr.events = slices.Insert(lr.events, i, loadEvent{d, do})
}

// drive feeds mail and webhooks, runs the faults and the kills, and waits
// until everything sent has arrived; then it stops the instances.
func (lr *loadRun) drive() {
	t, size := lr.t, lr.size
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	watchCtx, stopWatch := context.WithCancel(ctx)
	watched := make(chan struct{})
	go func() { lr.leases.run(watchCtx); close(watched) }()

	lr.begin = time.Now()
	var feeds sync.WaitGroup
	feeds.Go(func() { lr.mails.run(ctx, lr.begin, size.spread) })
	feeds.Go(func() { lr.hooks.run(ctx, lr.begin, size.spread) })
	fed, replied := make(chan struct{}), make(chan struct{})
	go func() { feeds.Wait(); close(fed) }()
	repliesStarted := false
	defer func() { // also when the test fails: no goroutine outlives it
		cancel()
		<-fed
		<-watched
		if repliesStarted {
			<-replied
		}
	}()

	lr.schedule(ctx, &repliesStarted, replied)

	killing := true
	restartAt := map[int]time.Time{} // killed instances and when they start again
	var lastCheck, lastLog time.Time
	nextKill := lr.begin.Add(randBetween(size.killMin, size.killMax))
	for {
		now := time.Now()
		for len(lr.events) > 0 && now.Sub(lr.begin) >= lr.events[0].at {
			ev := lr.events[0]
			lr.events = lr.events[1:]
			ev.do()
		}
		for i, at := range restartAt {
			if now.After(at) {
				lr.fleet.start(t, i)
				delete(restartAt, i)
			}
		}
		if killing && !lr.noKills && now.After(nextKill) && len(restartAt) < len(lr.fleet.inst)-1 {
			lr.killOne(now, restartAt)
			nextKill = now.Add(randBetween(size.killMin, size.killMax))
		}
		lr.failOnFeedErrors()
		if len(lr.events) == 0 && closed(fed) && closed(replied) && now.Sub(lastCheck) >= time.Second {
			lastCheck = now
			if killing && lr.settled(ctx) {
				killing = false
				t.Logf("%v: all intake stored and the outbox settled; no more kills", lr.since())
			}
			if !killing && len(restartAt) == 0 {
				break
			}
		}
		if now.Sub(lastLog) >= 15*time.Second {
			lastLog = now
			t.Logf("%v: %s", lr.since(), lr.progress(ctx))
		}
		if now.Sub(lr.begin) > size.deadline {
			t.Fatalf("not settled within %v: %s", size.deadline, lr.progress(ctx))
		}
		time.Sleep(50 * time.Millisecond)
	}
	if size.waitLeases {
		lr.waitOutboxEmpty(ctx)
	}
	lr.res.duration = time.Since(lr.begin)
	stopWatch()
	// An instance started a moment ago may not handle SIGTERM yet: let each
	// become ready before it is stopped.
	for _, in := range lr.fleet.inst {
		in.p.waitReady(t)
	}
	lr.fleet.stopAll(t)
}

// schedule puts the run's faults on its timeline: Redis's host crash, on
// the cluster a failover under a lagging replica, every Redis stopped for a
// while, Redis full, the SMTP server stopped (replies sent meanwhile), and a
// hung IMAP server. The faults of Redis come one after the other: one that
// is due while another lasts (a promotion takes a while) waits for it.
func (lr *loadRun) schedule(ctx context.Context, repliesStarted *bool, replied chan struct{}) {
	t, size := lr.t, lr.size
	busy := false // a fault of Redis lasts
	now := func() time.Duration { return time.Since(lr.begin) }
	// redisFault runs start at offset at, or once no other fault of Redis
	// lasts; start returns whether its fault lasts (until it calls done).
	var redisFault func(at time.Duration, start func() bool)
	redisFault = func(at time.Duration, start func() bool) {
		lr.at(at, func() {
			if busy {
				redisFault(now()+100*time.Millisecond, start)
				return
			}
			busy = start()
		})
	}
	done := func() { busy = false }

	redisFault(size.redisCrashAt, func() bool {
		lr.faults = append(lr.faults, lr.redis.crash(t))
		lr.res.redisCrashes++
		t.Logf("%v: Redis's host crashed (SIGKILL, its AOF cut back to its last fsync) and Redis started again", lr.since())
		return false
	})
	if lr.redis.cluster && size.failoverAt > 0 {
		var fo *failover
		var lag, promote func()
		lag = func() {
			if !fo.lag(t) {
				lr.at(now()+100*time.Millisecond, lag)
				return
			}
			t.Logf("%v: the desk master's replica paused (lagging)", lr.since())
			lr.at(now()+size.lag, func() {
				lr.faults = append(lr.faults, fo.crash(t))
				lr.res.failovers++
				t.Logf("%v: the desk master's host crashed; its replica, %v behind, goes on", lr.since(), size.lag)
				lr.at(now()+clusterNodeTimeout, promote)
			})
		}
		promote = func() {
			if !fo.rejoin(t) {
				if time.Since(fo.died) > time.Minute {
					t.Fatalf("the desk master's replica was not promoted within a minute of its master's crash:\n%s", fo.replica.logTail())
				}
				lr.at(now()+100*time.Millisecond, promote)
				return
			}
			lr.res.failoverTook = fo.promoted
			t.Logf("%v: the replica was promoted %v after its master's host crashed; the old master is back as a replica", lr.since(), fo.promoted.Round(100*time.Millisecond))
			done()
		}
		redisFault(size.failoverAt, func() bool {
			fo = lr.redis.newFailover(t)
			lag()
			return true
		})
	}
	redisFault(size.redisDownAt, func() bool {
		lr.redis.down(t)
		lr.faults = append(lr.faults, time.Now())
		t.Logf("%v: Redis stopped", lr.since())
		lr.at(now()+size.redisDown, func() {
			lr.redis.up(t)
			t.Logf("%v: Redis started again", lr.since())
			done()
		})
		return true
	})
	if size.full > 0 {
		redisFault(size.fullAt, func() bool {
			lr.redis.fill(t)
			wctx, stopWatch := context.WithCancel(ctx)
			watch, watched := &readyWatch{}, make(chan struct{})
			go func() { defer close(watched); watch.run(wctx, lr.fleet, time.Second) }()
			t.Logf("%v: Redis full (maxmemory under its use, noeviction)", lr.since())
			lr.at(now()+size.full, func() {
				stopWatch()
				<-watched
				lr.redis.unfill(t)
				ok, unready, saidFull, body := watch.summary()
				lr.res.fullReady, lr.res.fullUnready, lr.res.fullSaidFull = ok, unready, saidFull
				t.Logf("%v: Redis no longer full; /readyz meanwhile: %d × 200, %d × 503 (%d saying full): %q", lr.since(), ok, unready, saidFull, body)
				done()
			})
			return true
		})
	}
	// The way in is down for a while (a load balancer, the network): Twilio
	// cannot connect to any instance, tries each webhook once more, and
	// gives up. The reconciliation with Twilio's API must file those texts.
	cutAt, cut := size.spread/5, max(4*time.Second, size.spread/15)
	lr.at(cutAt, func() {
		lr.hooks.cut.Store(true)
		t.Logf("%v: Twilio cannot reach frontdesk (the way in is down) for %v", lr.since(), cut)
		lr.at(now()+cut, func() {
			lr.hooks.cut.Store(false)
			t.Logf("%v: Twilio reaches frontdesk again", lr.since())
		})
	})
	lr.at(size.smtpDownAt, func() {
		lr.sink.stop()
		t.Logf("%v: SMTP server stopped", lr.since())
		// The replies go out through the API, which needs Redis: they
		// wait for a fault of Redis to end, as a fault.
		redisFault(now()+time.Second, func() bool {
			tickets := lr.replyTickets(ctx)
			*repliesStarted = true
			go func() { defer close(replied); lr.replies.send(ctx, tickets, size.smtpDown/2) }()
			return false
		})
		lr.at(now()+size.smtpDown, func() {
			if err := lr.sink.start(); err != nil {
				t.Fatal(err)
			}
			lr.smtpBack = time.Now()
			t.Logf("%v: SMTP server started again", lr.since())
		})
	})
	if size.hang > 0 {
		lr.at(size.hangAt, func() {
			lr.noKills = true
			lr.stall.Arm("UID FETCH", 600, false)
			t.Logf("%v: the IMAP server of %s hangs mid-FETCH; no kills meanwhile", lr.since(), hungMailbox)
			hungAt := now()
			var end func()
			end = func() {
				// A connection hung late in the window is given its
				// instance's deadline (30 s) to end it, kills still off.
				if stalled, gaveUp := lr.stall.Counts(); stalled > 0 && len(gaveUp) == 0 && now() < hungAt+size.hang+time.Minute {
					lr.stall.Disarm()
					lr.at(now()+500*time.Millisecond, end)
					return
				}
				lr.stall.Disarm()
				lr.noKills = false
				stalled, gaveUp := lr.stall.Counts()
				lr.res.hangStalled, lr.res.hangGaveUp = stalled, gaveUp
				t.Logf("%v: the IMAP server answers again; %d connections hung, %d given up by their instance after %v", lr.since(), stalled, len(gaveUp), gaveUp)
			}
			lr.at(now()+size.hang, end)
		})
	}
}

// killOne kills a running instance that is not about to start again with
// SIGKILL, and schedules its restart: after under a second, or, every
// size.longDownEvery kills, after size.longDown, so that its mailbox leases
// run out and another instance takes the mailboxes over.
func (lr *loadRun) killOne(now time.Time, restartAt map[int]time.Time) {
	var up []int
	for i := range lr.fleet.inst {
		if _, down := restartAt[i]; !down {
			up = append(up, i)
		}
	}
	i := up[rand.IntN(len(up))]
	lr.fleet.kill(lr.t, i)
	lr.faults = append(lr.faults, time.Now()) // once it is dead: the end of its window
	lr.kills = append(lr.kills, time.Now())
	lr.res.kills++
	restartAt[i] = now.Add(randBetween(300*time.Millisecond, 800*time.Millisecond))
	if n := lr.size.longDownEvery; n > 0 && lr.res.kills%n == 0 {
		restartAt[i] = now.Add(lr.size.longDown)
		lr.res.longDowns++
		lr.t.Logf("%v: %s killed, and kept down for %v", lr.since(), lr.fleet.inst[i].s.instance, lr.size.longDown)
	}
}

func (lr *loadRun) since() time.Duration { return time.Since(lr.begin).Round(100 * time.Millisecond) }

func randBetween(lo, hi time.Duration) time.Duration { return lo + rand.N(hi-lo+1) }

func closed(c chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// failOnFeedErrors stops the run when a feed failed for good.
func (lr *loadRun) failOnFeedErrors() {
	lr.mails.mu.Lock()
	err := lr.mails.err
	lr.mails.mu.Unlock()
	lr.replies.mu.Lock()
	err = errors.Join(err, lr.replies.err)
	lr.replies.mu.Unlock()
	if err != nil {
		lr.t.Fatal(err)
	}
}

// replyTickets finds the tickets of the first mails, to reply to, waiting
// up to 30 s for enough of them to be stored.
func (lr *loadRun) replyTickets(ctx context.Context) []string {
	deadline := time.Now().Add(30 * time.Second)
	for {
		var ids []string
		for i := 0; i < lr.size.mails && len(ids) < lr.size.replies; i++ {
			ref, err := lr.redis.client.HGet(ctx, lr.deskKey("msgid"), loadMessageID(i)).Result()
			if err != nil {
				continue
			}
			id, _, _ := strings.Cut(ref, " ")
			ids = append(ids, id)
		}
		if len(ids) == lr.size.replies {
			return ids
		}
		if time.Now().After(deadline) {
			lr.t.Fatalf("only %d mail tickets to reply to, 30 s into the SMTP outage", len(ids))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func (lr *loadRun) deskKey(name string) string { return loadPrefix + ":{desk}:" + name }

// settled reports whether everything sent was stored, no send is waiting
// for a retry, and the sink has heard nothing for 5 s: what is left in the
// outbox then is held by the lease of a killed worker.
func (lr *loadRun) settled(ctx context.Context) bool {
	if time.Since(lr.smtpBack) < 5*time.Second {
		return false
	}
	if _, last := lr.sink.counts(); time.Since(last) < 5*time.Second {
		return false
	}
	if waiting, _, err := lr.outbox(ctx); err != nil || waiting > 0 {
		return false
	}
	missing, err := lr.intakeMissing(ctx)
	if err != nil {
		return false
	}
	if missing != lr.missing {
		lr.missing, lr.missingSince = missing, time.Now()
	}
	if missing > 0 && time.Since(lr.missingSince) > 2*time.Minute {
		// Nothing arrives any more: what is missing is lost, and the
		// checks will say so.
		lr.t.Logf("%v: %d mails and texts still not stored, none for 2 minutes: lost", lr.since(), missing)
		return true
	}
	return missing == 0
}

// intakeMissing counts the mails, and the texts answered 2xx or left to the
// reconciliation, that are not stored yet.
func (lr *loadRun) intakeMissing(ctx context.Context) (int, error) {
	var fields []string
	for i := range lr.size.mails {
		fields = append(fields, loadMessageID(i))
	}
	missing, err := lr.countMissing(ctx, lr.deskKey("msgid"), fields)
	if err != nil {
		return 0, err
	}
	fields = fields[:0]
	for j := range lr.hooks.n {
		if lr.hooks.mustBeStored(j) { // the others Twilio gave up on, lost or excused
			fields = append(fields, "twilio:sms:"+smsSID(j))
		}
	}
	m, err := lr.countMissing(ctx, lr.deskKey("sources"), fields)
	return missing + m, err
}

// countMissing counts the fields of hash key that are not set.
func (lr *loadRun) countMissing(ctx context.Context, key string, fields []string) (int, error) {
	missing := 0
	for start := 0; start < len(fields); start += 1000 {
		vals, err := lr.redis.client.HMGet(ctx, key, fields[start:min(start+1000, len(fields))]...).Result()
		if err != nil {
			return 0, fmt.Errorf("HMGET %s: %w", key, err)
		}
		for _, v := range vals {
			if v == nil {
				missing++
			}
		}
	}
	return missing, nil
}

// waitOutboxEmpty waits, after the last kill, until the outbox is empty
// and the sink has been quiet for 3 s: the sends held by a killed worker's
// lease (1 minute) are then taken over and done, or found cut off.
func (lr *loadRun) waitOutboxEmpty(ctx context.Context) {
	deadline := time.Now().Add(5 * time.Minute)
	for {
		n, err := lr.redis.client.ZCard(ctx, lr.deskKey("outbox")).Result()
		_, last := lr.sink.counts()
		if err == nil && n == 0 && time.Since(last) > 3*time.Second {
			lr.t.Logf("%v: outbox empty", lr.since())
			return
		}
		if time.Now().After(deadline) {
			lr.t.Fatalf("outbox not empty 5 minutes after the last kill: %s", lr.progress(ctx))
		}
		time.Sleep(time.Second)
	}
}

// outbox counts the outbox's entries: waiting for a try (queued and held
// by no worker) and held by a worker (taken, or sending).
func (lr *loadRun) outbox(ctx context.Context) (waiting, held int, err error) {
	c := lr.redis.client
	refs, err := c.ZRange(ctx, lr.deskKey("outbox"), 0, -1).Result()
	if err != nil {
		return 0, 0, err
	}
	for _, ref := range refs {
		tid, mid, _ := strings.Cut(ref, " ")
		raw, err := c.HGet(ctx, lr.deskKey("ticket:"+tid+":delivery"), mid).Result()
		if err != nil {
			return 0, 0, err
		}
		var d struct{ Delivery, Hold string }
		if json.Unmarshal([]byte(raw), &d) != nil {
			continue
		}
		if d.Hold != "" {
			held++
		} else if d.Delivery == "queued" {
			waiting++
		}
	}
	return waiting, held, nil
}

// progress is a one-line account of the run so far, for the log.
func (lr *loadRun) progress(ctx context.Context) string {
	tickets, err := lr.redis.client.ZCard(ctx, lr.deskKey("tickets")).Result()
	accepted, _ := lr.sink.counts()
	if err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Sprintf("Redis unavailable (%v); %d mails accepted by the sink, %d faults", err, accepted, len(lr.faults))
	}
	waiting, held, oerr := lr.outbox(ctx)
	missing, merr := lr.intakeMissing(ctx)
	return fmt.Sprintf("%d tickets, %d mails and texts not stored yet (%v), outbox: %d waiting, %d held (%v), %d mails accepted by the sink, %d faults",
		tickets, missing, merr, waiting, held, oerr, accepted, len(lr.faults))
}
