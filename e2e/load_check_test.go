package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// loadTicket is a ticket as the store keeps it in Redis.
type loadTicket struct {
	hash     map[string]string
	messages []loadMessage
	delivery map[string]loadDelivery // message id → delivery record
}

// loadMessage is the part of a stored message the checks read.
type loadMessage struct {
	ID        string            `json:"id"`
	Direction string            `json:"direction"`
	Channel   string            `json:"channel"`
	From      string            `json:"from"`
	MessageID string            `json:"message_id"`
	InReplyTo string            `json:"in_reply_to"`
	Meta      map[string]string `json:"meta"`
}

// loadDelivery is a delivery record of an outbound message.
type loadDelivery struct {
	Delivery string `json:"delivery"`
	Detail   string `json:"detail"`
	At       string `json:"at"`
	// Cut is the hold of the worker whose send was cut off: set when
	// another worker found its lease run out with the message still
	// sending, and cleared if that worker, alive after all, settled it.
	Cut string `json:"cut"`
}

// readTickets reads every ticket listed in the store, 500 per round trip.
func readTickets(ctx context.Context, rdb redis.UniversalClient, deskKey func(string) string) (map[string]*loadTicket, error) {
	ids, err := rdb.ZRange(ctx, deskKey("tickets"), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("list tickets: %w", err)
	}
	tickets := make(map[string]*loadTicket, len(ids))
	for start := 0; start < len(ids); start += 500 {
		batch := ids[start:min(start+500, len(ids))]
		p := rdb.Pipeline()
		hashes := make([]*redis.MapStringStringCmd, len(batch))
		msgs := make([]*redis.StringSliceCmd, len(batch))
		dels := make([]*redis.MapStringStringCmd, len(batch))
		for i, id := range batch {
			k := deskKey("ticket:" + id)
			hashes[i], msgs[i], dels[i] = p.HGetAll(ctx, k), p.LRange(ctx, k+":messages", 0, -1), p.HGetAll(ctx, k+":delivery")
		}
		if _, err := p.Exec(ctx); err != nil {
			return nil, fmt.Errorf("read tickets: %w", err)
		}
		for i, id := range batch {
			lt := &loadTicket{hash: hashes[i].Val(), delivery: map[string]loadDelivery{}}
			for _, raw := range msgs[i].Val() {
				var m loadMessage
				if err := json.Unmarshal([]byte(raw), &m); err != nil {
					return nil, fmt.Errorf("ticket %s: message: %w", id, err)
				}
				lt.messages = append(lt.messages, m)
			}
			for mid, raw := range dels[i].Val() {
				var d loadDelivery
				if err := json.Unmarshal([]byte(raw), &d); err != nil {
					return nil, fmt.Errorf("ticket %s: delivery of %s: %w", id, mid, err)
				}
				lt.delivery[mid] = d
			}
			tickets[id] = lt
		}
	}
	return tickets, nil
}

// check reads what the run left in Redis and the sink, fills the result
// and fails the test where something is lost, doubled or half written.
func (lr *loadRun) check() {
	t, res := lr.t, lr.res
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	tickets, err := readTickets(ctx, lr.redis.client, lr.deskKey)
	if err != nil {
		t.Fatal(err)
	}
	res.mails, res.webhooks = lr.size.mails, lr.hooks.n
	ix := indexTickets(tickets)
	half := append(ix.half, lr.checkQueues(ctx, tickets)...)
	res.halfWritten = len(half)
	for _, h := range half[:min(len(half), 10)] {
		t.Errorf("half written: %s", h)
	}
	lr.checkIntake(ix)
	lr.checkSends(ix)
	lr.checkFeeds()
	lr.checkMailboxes()
	lr.judge()
}

// msgRef names a message on a ticket.
type msgRef struct{ ticket, msg string }

// loadIndex says where each thing sent ended up.
type loadIndex struct {
	tickets       map[string]*loadTicket
	mailIn        map[string][]msgRef        // a mail's Message-ID → its inbound messages
	smsIn         map[string][]msgRef        // a text's MessageSid → its inbound messages
	callerTickets map[string]map[string]bool // a caller's number → the tickets of its texts
	acks          map[string][]msgRef        // a mail's Message-ID → the acknowledgements of it
	replies       map[string][]msgRef        // a reply's Message-ID → where it is stored
	half          []string                   // tickets not whole
}

func indexTickets(tickets map[string]*loadTicket) *loadIndex {
	ix := &loadIndex{tickets: tickets, mailIn: map[string][]msgRef{}, smsIn: map[string][]msgRef{},
		callerTickets: map[string]map[string]bool{}, acks: map[string][]msgRef{}, replies: map[string][]msgRef{}}
	for id, lt := range tickets {
		h := lt.hash
		if h["id"] != id || h["channel"] == "" || h["status"] == "" || h["queue"] == "" || len(lt.messages) == 0 ||
			lt.messages[0].Direction != "in" || h["msgseq"] != strconv.Itoa(len(lt.messages)) {
			ix.half = append(ix.half, fmt.Sprintf("ticket %s: %v with %d messages", id, h, len(lt.messages)))
			continue
		}
		for _, m := range lt.messages {
			r := msgRef{id, m.ID}
			switch {
			case m.Direction == "in" && m.Channel == "email":
				ix.mailIn[m.MessageID] = append(ix.mailIn[m.MessageID], r)
			case m.Direction == "in" && m.Channel == "sms":
				ix.smsIn[m.Meta["message_sid"]] = append(ix.smsIn[m.Meta["message_sid"]], r)
				if ix.callerTickets[m.From] == nil {
					ix.callerTickets[m.From] = map[string]bool{}
				}
				ix.callerTickets[m.From][id] = true
			case m.Meta["ack"] == "1":
				ix.acks[m.InReplyTo] = append(ix.acks[m.InReplyTo], r)
			default:
				ix.replies[m.MessageID] = append(ix.replies[m.MessageID], r)
			}
		}
	}
	return ix
}

// checkIntake counts tickets and inbound messages — one ticket per mail
// and per caller, one message per mail and per text — and the mails'
// latencies.
func (lr *loadRun) checkIntake(ix *loadIndex) {
	t, res := lr.t, lr.res
	distinct := func(refs []msgRef) int {
		seen := map[string]bool{}
		for _, r := range refs {
			seen[r.ticket] = true
		}
		return len(seen)
	}
	ours := map[string]bool{} // the tickets that hold something sent
	res.tickets.expected = lr.size.mails + lr.size.callers
	res.tickets.got = len(ix.tickets)
	var latencies []time.Duration
	type slowMail struct {
		i   int
		lat time.Duration
	}
	var slowest slowMail
	for i := range lr.size.mails {
		refs := ix.mailIn[loadMessageID(i)]
		res.messages.add(len(refs))
		res.tickets.doubled += max(0, distinct(refs)-1)
		if len(refs) == 0 {
			res.tickets.lost++
			res.messages.lost++
			continue
		}
		for _, r := range refs {
			ours[r.ticket] = true
		}
		tk := ix.tickets[refs[0].ticket]
		if q := tk.hash["queue"]; q != loadMailbox(i) {
			t.Errorf("mail %d: ticket %s in queue %q, want %q", i, refs[0].ticket, q, loadMailbox(i))
		}
		created, _ := strconv.ParseInt(tk.hash["created"], 10, 64)
		lat := time.UnixMilli(created).Sub(lr.mails.delivered[i])
		latencies = append(latencies, lat)
		if lat > slowest.lat {
			slowest = slowMail{i, lat}
		}
	}
	if slowest.lat > 0 {
		t.Logf("the slowest mail: %d, to %s, delivered %v into the run, a ticket %v later",
			slowest.i, loadMailbox(slowest.i), lr.mails.delivered[slowest.i].Sub(lr.begin).Round(100*time.Millisecond), slowest.lat.Round(100*time.Millisecond))
	}
	_, _, _, _, _, hooks, _ := lr.hooks.summary()
	excused := map[string]int{} // a caller's texts excused and not stored
	reconciled := 0
	defer func() {
		// The way in was down for a while: the proof must have shown the
		// reconciliation at work, or it proved nothing about it.
		if reconciled == 0 {
			t.Errorf("no text reached frontdesk through the reconciliation alone: the cut-off of the way in tested nothing")
		}
	}()
	for j := range lr.hooks.n {
		refs := ix.smsIn[smsSID(j)]
		o := hooks[j]
		res.sms.add(len(refs))
		res.messages.add(len(refs))
		switch {
		case o.failed > 0:
			// Answered 5xx, or cut off by nothing that excuses it: Twilio
			// gave up on it, stored or not.
			res.sms.lost++
			if len(refs) == 0 {
				res.messages.lost++
			}
		case len(refs) > 0:
			// No delivery reached an instance (one cut off by a death
			// may have stored it): only the reconciliation can have.
			if o.deliveries > 0 && o.unreachable == o.deliveries {
				res.sms.reconciled++ // Twilio gave up; the reconciliation filed it
				reconciled++
			}
		case o.unreachable > 0:
			res.sms.lost++ // Twilio gave up, and the reconciliation did not file it
			res.messages.lost++
			t.Errorf("webhook %d (%s) never reached an instance and its text was not filed by the reconciliation", j, smsSID(j))
		case o.ok > 0:
			res.sms.lost++ // told done, and not stored
			res.messages.lost++
			t.Errorf("webhook %d (%s) answered 2xx and not stored", j, smsSID(j))
		default:
			// Every delivery cut off by the death of its instance: Twilio
			// never heard done; a real text would come back through the
			// reconciliation with Twilio's API.
			res.sms.window++
			res.messages.expected--
			res.sms.expected--
			excused[smsCaller(j)]++
		}
	}
	for c := range lr.size.callers {
		caller := smsCaller(c * smsPerCaller)
		set := ix.callerTickets[caller]
		res.tickets.doubled += max(0, len(set)-1)
		if len(set) == 0 && excused[caller] == smsPerCaller {
			res.tickets.expected--
			continue
		}
		if len(set) == 0 {
			res.tickets.lost++
		}
		for id := range set {
			ours[id] = true
		}
	}
	res.tickets.doubled += len(ix.tickets) - len(ours) // tickets of nothing sent
	slices.Sort(latencies)
	if len(latencies) > 0 {
		res.mailP50, res.mailP99, res.mailMax = percentile(latencies, 50), percentile(latencies, 99), latencies[len(latencies)-1]
	}
}

// checkSends counts the acknowledgements (one stored per mail ticket) and
// the replies (each stored once) that the sink received.
func (lr *loadRun) checkSends(ix *loadIndex) {
	t, res := lr.t, lr.res
	for i := range lr.size.mails {
		mid := loadMessageID(i)
		stored := ix.acks[mid]
		if len(stored) != 1 {
			t.Errorf("mail %d has %d acknowledgements stored, want 1", i, len(stored))
			if len(stored) == 0 {
				n := lr.sink.acksFor(mid)
				res.acks.add(n)
				if n == 0 {
					res.acks.lost++
				}
				continue
			}
		}
		d, ok := ix.tickets[stored[0].ticket].delivery[stored[0].msg]
		lr.report(fmt.Sprintf("acknowledgement of mail %d", i), lr.count(&res.acks, lr.sink.acksFor(mid), stored[0].ticket, stored[0].msg, d, ok))
	}
	lr.replies.mu.Lock()
	sent := lr.replies.sent
	lr.replies.mu.Unlock()
	for mid, id := range sent {
		stored := ix.replies[mid]
		if len(stored) != 1 || stored[0].ticket != id {
			t.Errorf("reply %s to ticket %s is stored %v", mid, id, stored)
			continue
		}
		d, ok := ix.tickets[id].delivery[stored[0].msg]
		lr.report("reply "+mid, lr.count(&res.replies, lr.sink.received(mid), id, stored[0].msg, d, ok))
	}
	if res.replies.expected != lr.size.replies {
		t.Errorf("%d replies stored through the API, want %d", res.replies.expected, lr.size.replies)
	}
	accepted, _ := lr.sink.counts()
	res.otherMail = accepted - res.acks.got - res.acks.doubled - res.replies.got - res.replies.doubled
}

// report fails the test on a send that is lost, and logs one that a fault
// cut short.
func (lr *loadRun) report(what, note string) {
	switch {
	case strings.HasPrefix(note, "lost"):
		lr.t.Errorf("%s never arrived: %s", what, note)
	case note != "":
		lr.t.Logf("%s never arrived: %s", what, note)
	}
}

// checkQueues checks the queue indexes against the tickets' statuses: a
// ticket is waiting in its queue exactly while new, active while open or
// pending.
func (lr *loadRun) checkQueues(ctx context.Context, tickets map[string]*loadTicket) []string {
	waiting, active := map[string]string{}, map[string]string{}
	for _, q := range append(slices.Clone(loadMailboxes), "phone") {
		w, err1 := lr.redis.client.ZRange(ctx, lr.deskKey("queue:"+q), 0, -1).Result()
		a, err2 := lr.redis.client.SMembers(ctx, lr.deskKey("queue:"+q+":active")).Result()
		if err1 != nil || err2 != nil {
			lr.t.Fatalf("read queue %s: %v %v", q, err1, err2)
		}
		for _, id := range w {
			waiting[id] = q
		}
		for _, id := range a {
			active[id] = q
		}
	}
	var bad []string
	for id, lt := range tickets {
		st, q := lt.hash["status"], lt.hash["queue"]
		switch {
		case st == "new" && (waiting[id] != q || active[id] != ""):
			bad = append(bad, fmt.Sprintf("ticket %s new in %s: waiting in %q, active in %q", id, q, waiting[id], active[id]))
		case (st == "open" || st == "pending") && (active[id] != q || waiting[id] != ""):
			bad = append(bad, fmt.Sprintf("ticket %s %s in %s: waiting in %q, active in %q", id, st, q, waiting[id], active[id]))
		}
	}
	for id := range waiting {
		if tickets[id] == nil {
			bad = append(bad, "queue lists ticket "+id+", which does not exist")
		}
	}
	return bad
}

// checkFeeds fails the run on every webhook delivery Twilio would have
// given up on (answered 5xx or 4xx, no connection twice, cut off with no
// death of its instance), and collects the webhook figures.
func (lr *loadRun) checkFeeds() {
	t, res := lr.t, lr.res
	lat, attempts, unavailable, refused, noAnswer, hooks, errs := lr.hooks.summary()
	slices.Sort(lat)
	if len(lat) > 0 {
		res.hookP50, res.hookP99 = percentile(lat, 50), percentile(lat, 99)
	}
	res.hookAttempts, res.hook503, res.hookRefused, res.hookNoAnswer = attempts, unavailable, refused, noAnswer
	for j, o := range hooks {
		res.hookDeliveries += o.deliveries
		res.hookOK += o.ok
		// Every webhook goes out twice; a delivery that never ended
		// (the feed stopped early) was checked for nothing.
		if o.deliveries != 2 {
			t.Errorf("webhook %d (%s): %d deliveries ended, want 2", j, smsSID(j), o.deliveries)
		}
	}
	for _, e := range errs[:min(10, len(errs))] {
		t.Errorf("webhook: %s", e)
	}
}

// checkMailboxes checks that every mail is \Seen in its mailbox.
func (lr *loadRun) checkMailboxes() {
	for k, box := range loadMailboxes {
		want := (lr.size.mails - k + len(loadMailboxes) - 1) / len(loadMailboxes)
		if u, total := unseen(lr.t, lr.srv, box); u != 0 || total != want {
			lr.t.Errorf("mailbox %s: %d of %d mails unseen, want 0 of %d", box, u, total, want)
		}
	}
}

// judge fails the test on what must never happen, and fills the figures
// that remain.
func (lr *loadRun) judge() {
	t, res := lr.t, lr.res
	rounds, seen, handovers, overlaps := lr.leases.summary()
	res.leaseRounds, res.leaseHandovers, res.leaseOverlaps = rounds, handovers, len(overlaps)
	if seen == 0 {
		// Else "never two holders" would pass without having looked.
		t.Errorf("the lease watch saw no instance hold a mailbox lease in %d rounds: it cannot have checked anything", rounds)
	}
	for _, o := range overlaps[:min(len(overlaps), 10)] {
		t.Errorf("a mailbox polled by two instances at once: %s", o)
	}
	for _, in := range lr.fleet.inst {
		res.peakRSS = append(res.peakRSS, in.peakRSS)
		if in.peakRSS > 1<<30 {
			t.Errorf("instance %s: peak RSS %d MB, want < 1 GB", in.s.instance, in.peakRSS>>20)
		}
	}
	res.filled = true
	tk, msg := res.tickets, res.messages
	if tk.got != tk.expected || tk.doubled != 0 || tk.lost != 0 {
		t.Errorf("tickets: %d expected, %d created, %d doubled, %d lost", tk.expected, tk.got, tk.doubled, tk.lost)
	}
	if msg.got != msg.expected || msg.doubled != 0 || msg.lost != 0 {
		t.Errorf("messages: %d expected, %d stored, %d doubled, %d lost", msg.expected, msg.got, msg.doubled, msg.lost)
	}
	if res.sms.lost != 0 || res.hook503 != 0 {
		t.Errorf("texts: %d lost (%d webhook answers of 5xx, which Twilio does not retry)", res.sms.lost, res.hook503)
	}
	if lr.size.full > 0 && (res.fullUnready == 0 || res.fullReady != 0 || res.fullSaidFull != res.fullUnready) {
		t.Errorf("while Redis was full, /readyz answered 200 %d times and 503 %d times (%d saying Redis is full): want only 503s saying so",
			res.fullReady, res.fullUnready, res.fullSaidFull)
	}
	if lr.size.hang > 0 && len(res.hangGaveUp) == 0 {
		t.Errorf("the IMAP server hung %d connections for %v and no instance gave up on one: no deadline ended the hang", res.hangStalled, lr.size.hang)
	}
	if lr.redis.cluster && lr.size.failoverAt > 0 && res.failovers == 0 {
		t.Errorf("no failover happened")
	}
	for _, c := range []struct {
		what string
		c    tally
	}{{"acknowledgements", res.acks}, {"replies", res.replies}} {
		if c.c.doubled != 0 {
			t.Errorf("%s: %d doubled", c.what, c.c.doubled)
		}
		if c.c.pending != 0 {
			t.Errorf("%s: %d still pending at the end of the run", c.what, c.c.pending)
		}
	}
	if res.otherMail != 0 {
		t.Errorf("the sink received %d mails that are neither acknowledgements nor replies", res.otherMail)
	}
	if res.hookP99 > 15*time.Second {
		t.Errorf("webhook p99 %v: beyond the 15 s Twilio waits", res.hookP99)
	}
}
