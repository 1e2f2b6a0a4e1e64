package e2e

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"frontdesk/internal/testdovecot"
)

// unseen returns how many mails of userName's INBOX are not \Seen, and how
// many there are in all, by UID SEARCH UNSEEN on a fresh connection.
func unseen(t *testing.T, srv *testdovecot.Server, userName string) (unseen, total int) {
	t.Helper()
	c, err := imapclient.DialInsecure(srv.Addr, nil)
	if err != nil {
		t.Fatalf("dial dovecot: %v", err)
	}
	defer c.Close()
	if err := c.Login(userName, testdovecot.Password).Wait(); err != nil {
		t.Fatalf("login: %v", err)
	}
	sel, err := c.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		t.Fatalf("select INBOX: %v", err)
	}
	data, err := c.UIDSearch(&imap.SearchCriteria{NotFlag: []imap.Flag{imap.FlagSeen}}, nil).Wait()
	if err != nil {
		t.Fatalf("UID SEARCH UNSEEN: %v", err)
	}
	_ = c.Logout().Wait()
	return len(data.AllUIDs()), int(sel.NumMessages)
}

// checkImported checks that the n mails testdovecot.Mail(0…n-1) made
// exactly n whole tickets: n tickets listed, n source keys, every
// Message-ID indexed to a ticket of its own, and ~50 tickets picked at
// random each new with exactly one message, the right one.
func checkImported(t *testing.T, d *desk, n int) {
	t.Helper()
	ctx := d.ctx(t)
	if got := d.rdb.ZCard(ctx, d.key("tickets")).Val(); got != int64(n) {
		t.Errorf("ZCARD tickets = %d, want %d", got, n)
	}
	if got := d.rdb.HLen(ctx, d.key("sources")).Val(); got != int64(n) {
		t.Errorf("HLEN sources = %d, want %d", got, n)
	}
	ids := make([]string, n)
	for i := range ids {
		ids[i] = testdovecot.MessageID(i)
	}
	vals, err := d.rdb.HMGet(ctx, d.key("msgid"), ids...).Result()
	if err != nil {
		t.Fatalf("HMGET msgid: %v", err)
	}
	ticketOf := make(map[string]string, n) // ticket id → Message-ID
	var missing int
	for i, v := range vals {
		ref, ok := v.(string)
		id, _, _ := strings.Cut(ref, " ") // "TICKET_ID MESSAGE_ID"
		if !ok {
			missing++
			if missing <= 5 {
				t.Errorf("mail %d (%s) has no ticket", i, ids[i])
			}
			continue
		}
		if other, dup := ticketOf[id]; dup {
			t.Errorf("ticket %s holds both %s and %s", id, other, ids[i])
		}
		ticketOf[id] = ids[i]
	}
	if missing > 0 {
		t.Errorf("%d of %d mails have no ticket", missing, n)
	}
	sample := make([]string, 0, len(ticketOf))
	for id := range ticketOf {
		sample = append(sample, id)
	}
	rand.Shuffle(len(sample), func(i, j int) { sample[i], sample[j] = sample[j], sample[i] })
	for _, id := range sample[:min(50, len(sample))] {
		checkTicket(t, d, id, ticketOf[id])
	}
}

// checkTicket checks that ticket id is whole: status new, queue support,
// exactly one message, which is msgID.
func checkTicket(t *testing.T, d *desk, id, msgID string) {
	t.Helper()
	ctx := d.ctx(t)
	h, err := d.rdb.HGetAll(ctx, d.key("ticket:"+id)).Result()
	if err != nil {
		t.Fatalf("HGETALL ticket %s: %v", id, err)
	}
	if h["status"] != "new" || h["queue"] != "support" {
		t.Errorf("ticket %s: status %q queue %q, want new, support (%v)", id, h["status"], h["queue"], h)
	}
	msgs, err := d.rdb.LRange(ctx, d.key("ticket:"+id+":messages"), 0, -1).Result()
	if err != nil {
		t.Fatalf("LRANGE messages of %s: %v", id, err)
	}
	if len(msgs) != 1 {
		t.Errorf("ticket %s has %d messages, want 1", id, len(msgs))
		return
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(msgs[0]), &m); err != nil {
		t.Errorf("ticket %s message: %v", id, err)
		return
	}
	if m["message_id"] != msgID {
		t.Errorf("ticket %s message: message_id %v, want %s", id, m["message_id"], msgID)
	}
}
