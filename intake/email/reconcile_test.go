package email

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/prometheus/client_golang/prometheus"

	"frontdesk/config"
	"frontdesk/desk"
	"frontdesk/intake/imappoll"
	"frontdesk/internal/testdovecot"
	"frontdesk/internal/testlog"
	"frontdesk/internal/testredis"
	"frontdesk/ticket"
	"frontdesk/ticket/redisstore"
)

// checkedInventory is the Importer as reconciliation's Inventory, noting
// whose bodies Stored was asked about.
type checkedInventory struct {
	*Importer
	mu      sync.Mutex
	checked []uint32 // UIDs
}

func (c *checkedInventory) Stored(ctx context.Context, m imappoll.Mail) (bool, error) {
	c.mu.Lock()
	c.checked = append(c.checked, m.UID)
	c.mu.Unlock()
	return c.Importer.Stored(ctx, m)
}

// A Redis rollback: Dovecot holds six mails, all flagged \Seen by an
// earlier import, and the mailbox state says they are imported, but the desk
// has lost four of their tickets. Reconciliation, through the same handler,
// imports those four, once each; it recognises the two the desk kept by
// their Message-IDs without fetching them; and later rounds import nothing
// more.
func TestReconcileAfterRollback(t *testing.T) {
	dc := testdovecot.Start(t, "desk")
	dc.DeliverMaildir(t, "desk", 0, 6, 4000)
	r := testredis.New(t)
	mb := dc.Mailbox("desk")
	mb.Queue, mb.ReconcileDays = "support", 7
	cfg := &config.Config{Mailboxes: []config.Mailbox{mb}, Queues: []config.Queue{{Name: "support"}}}
	var logs testlog.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("log:\n%s", logs.String())
		}
	})
	newDesk := func(prefix string, reg prometheus.Registerer) (*Importer, *redisstore.Store) {
		store := redisstore.New(r.Client, &redisstore.Options{Prefix: prefix})
		return NewImporter(desk.New(store, cfg, nil), &Options{Logger: logger, Registerer: reg}), store
	}
	run := func(prefix string, im *Importer, store *redisstore.Store, inv imappoll.Inventory, reg prometheus.Registerer) (stop func()) {
		p := imappoll.New(mb, im.Handle, &imappoll.Options{
			Logger: logger, Registerer: reg, Redis: r.Client, Prefix: prefix,
			Prepare: im.Prepare, Threading: im.Threading, Durable: store.Durable, Inventory: inv,
			ReconcileInterval: 100 * time.Millisecond, RetryDelay: 100 * time.Millisecond,
		})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			_ = p.Run(ctx)
		}()
		return func() { cancel(); <-done }
	}
	tickets := func(s *redisstore.Store) []ticket.Ticket {
		page, err := s.List(context.Background(), ticket.ListFilter{Limit: 200})
		if err != nil {
			t.Fatal(err)
		}
		return page.Tickets
	}
	eventually := func(d time.Duration, what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(d); !cond(); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not within %v", what, d)
			}
		}
	}

	// Before: a desk imports all six; Dovecot flags them \Seen.
	before := r.Prefix + ":before"
	im1, s1 := newDesk(before, nil)
	stop := run(before, im1, s1, nil, nil)
	eventually(30*time.Second, "six tickets", func() bool { return len(tickets(s1)) == 6 })
	stop()
	c := dc.Client(t, "desk")
	if _, err := c.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		t.Fatal(err)
	}
	unseen, err := c.UIDSearch(&imap.SearchCriteria{NotFlag: []imap.Flag{imap.FlagSeen}}, nil).Wait()
	if err != nil || len(unseen.AllUIDs()) != 0 {
		t.Fatalf("mail left unseen: %v %v", unseen, err)
	}
	var kept [][]byte // the two mails the rollback spared, as Dovecot has them
	msgs, err := c.Fetch(imap.UIDSetNum(1, 2), &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{{Peek: true}}}).Collect()
	if err != nil || len(msgs) != 2 {
		t.Fatalf("fetch the first two mails: %d, %v", len(msgs), err)
	}
	for _, m := range msgs {
		kept = append(kept, m.FindBodySection(&imap.FetchItemBodySection{Peek: true}))
	}

	// After the rollback: the mailbox state survived, two tickets did.
	after := r.Prefix + ":after"
	ctx := context.Background()
	state, err := r.Client.HGetAll(ctx, before+":imap:{desk}:state").Result()
	if err != nil || len(state) == 0 {
		t.Fatalf("mailbox state: %v %v", state, err)
	}
	if err := r.Client.HSet(ctx, after+":imap:{desk}:state", state).Err(); err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	im2, s2 := newDesk(after, reg)
	for i, raw := range kept {
		m := imappoll.Mail{Mailbox: "desk", UID: uint32(i + 1), Size: int64(len(raw)), Raw: raw, Attempt: 1, Received: time.Now()}
		if err := im2.Handle(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	inv := &checkedInventory{Importer: im2}
	stop = run(after, im2, s2, inv, reg)
	defer stop()
	imported := func() float64 { return reconciled(t, reg, "imported") }
	eventually(30*time.Second, "six tickets again", func() bool { return len(tickets(s2)) == 6 })
	// Two rounds more: the first checked the kept two and imported four;
	// the later ones find all six stored.
	eventually(30*time.Second, "later rounds", func() bool {
		return reconciled(t, reg, "already_stored") >= 2+6+6
	})
	if n := imported(); n != 4 {
		t.Errorf("reconciled_total{result=imported} = %v, want 4", n)
	}
	if n := len(tickets(s2)); n != 6 {
		t.Errorf("%d tickets, want 6", n)
	}
	if n := r.Client.HLen(ctx, after+":{desk}:sources").Val(); n != 6 {
		t.Errorf("%d sources stored, want 6", n)
	}
	inv.mu.Lock()
	defer inv.mu.Unlock()
	if slices.Contains(inv.checked, 1) || slices.Contains(inv.checked, 2) {
		t.Errorf("the bodies of the kept mails were fetched and checked: UIDs %v", inv.checked)
	}
	if len(inv.checked) != 4 {
		t.Errorf("%d bodies checked (UIDs %v), want the 4 lost ones, once", len(inv.checked), inv.checked)
	}
}

// reconciled is frontdesk_imap_reconciled_total{mailbox="desk",result}.
func reconciled(t *testing.T, reg *prometheus.Registry, result string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != "frontdesk_imap_reconciled_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["mailbox"] == "desk" && labels["result"] == result {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}
