package redisstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"frontdesk/fault"
	"frontdesk/ticket"
)

func email(v string) ticket.Identity { return ticket.Identity{Kind: ticket.IdentityEmail, Value: v} }
func phoneID(v string) ticket.Identity {
	return ticket.Identity{Kind: ticket.IdentityPhone, Value: v}
}

// A customer gathers several addresses and numbers, in the order they were
// linked; each finds them, and the ticket shows them all.
func TestCustomerSeveralIdentities(t *testing.T) {
	s, _, _ := newTestStore(t)
	ctx := context.Background()
	caller := mustCreate(t, s, sms("SM1", "hi")).TicketID
	cid := assertWhole(t, s, caller).Customer.ID

	for _, id := range []ticket.Identity{email("Carla <Carla@Example.org>"), email("carla@work.example"), phoneID("+15555550777")} {
		if _, err := s.LinkCustomer(ctx, cid, id, "ann"); err != nil {
			t.Fatalf("link %s: %v", id, err)
		}
	}
	c, err := s.Customer(ctx, cid)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.Emails, []string{"carla@example.org", "carla@work.example"}) ||
		!slices.Equal(c.Phones, []string{"+15555550123", "+15555550777"}) ||
		c.Email != "carla@example.org" || c.Phone != "+15555550123" {
		t.Fatalf("customer = %+v", c)
	}
	for _, v := range []string{"carla@example.org", "CARLA@work.example", "+15555550777", "+15555550123"} {
		if found, err := s.FindCustomer(ctx, v); err != nil || found.ID != cid {
			t.Errorf("FindCustomer(%s) = %+v, %v; want customer %s", v, found, err, cid)
		}
	}
	// Linking one they have changes nothing: a retry is harmless.
	if again, err := s.LinkCustomer(ctx, cid, email("carla@work.example"), "ann"); err != nil || len(again.Emails) != 2 {
		t.Fatalf("link again = %+v, %v", again, err)
	}
	tk := assertWhole(t, s, caller)
	if !slices.Equal(tk.Customer.Emails, c.Emails) || !slices.Equal(tk.Customer.Phones, c.Phones) || tk.Customer.Notes != "" {
		t.Fatalf("the ticket's customer = %+v", tk.Customer)
	}
	p, err := s.CustomerProfile(ctx, cid, 10, "")
	if err != nil {
		t.Fatal(err)
	}
	var said []string
	for _, e := range p.Events {
		said = append(said, e.Type+" "+e.By+" "+e.Detail)
	}
	if want := []string{"linked ann carla@example.org", "linked ann carla@work.example", "linked ann +15555550777"}; !slices.Equal(said, want) {
		t.Fatalf("history %q, want %q", said, want)
	}
}

// An address or number another customer has is refused, naming them; so is
// one more than a customer may have, and what is neither.
func TestLinkConflicts(t *testing.T) {
	s, _, _ := newTestStore(t)
	ctx := context.Background()
	caller := assertWhole(t, s, mustCreate(t, s, sms("SM1", "hi")).TicketID).Customer
	writer := assertWhole(t, s, mustCreate(t, s, mail("m1", "bob@example.org", "Hi")).TicketID).Customer

	_, err := s.LinkCustomer(ctx, caller.ID, email("bob@example.org"), "ann")
	if !errors.Is(err, fault.ErrConflict) || !strings.Contains(err.Error(), "belongs to another customer, Ann Lee (customer "+writer.ID+")") {
		t.Fatalf("link the writer's address to the caller: %v", err)
	}
	for _, bad := range []struct {
		id   string
		v    ticket.Identity
		want error
	}{
		{writer.ID, phoneID("+15555550123"), fault.ErrConflict}, // the caller's number
		{caller.ID, phoneID("not a number"), fault.ErrInvalid},
		{caller.ID, phoneID("555-0100"), fault.ErrInvalid}, // the store takes E.164 only
		{caller.ID, ticket.Identity{Kind: "fax", Value: "+15555550100"}, fault.ErrInvalid},
		{"999", email("x@example.org"), fault.ErrNotFound},
		{"x1", email("x@example.org"), fault.ErrInvalid},
	} {
		if _, err := s.LinkCustomer(ctx, bad.id, bad.v, "ann"); !errors.Is(err, bad.want) {
			t.Errorf("link %v to %s: %v, want %v", bad.v, bad.id, err, bad.want)
		}
	}
	for i := len(writer.Emails); i < 20; i++ {
		if _, err := s.LinkCustomer(ctx, writer.ID, email(fmt.Sprintf("bob%d@example.org", i)), "ann"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.LinkCustomer(ctx, writer.ID, email("one-too-many@example.org"), "ann"); !errors.Is(err, fault.ErrConflict) || !strings.Contains(err.Error(), "has 20 email addresses already") {
		t.Fatalf("the 21st address: %v", err)
	}
	if c, _ := s.Customer(ctx, writer.ID); len(c.Emails) != 20 {
		t.Fatalf("the writer has %d addresses, want 20", len(c.Emails))
	}
	if _, err := s.FindCustomer(ctx, "one-too-many@example.org"); !errors.Is(err, fault.ErrNotFound) {
		t.Fatalf("a refused address finds someone: %v", err)
	}
}

// Unlinking takes an identity from the customer and its index; the last one
// cannot go; another customer's is refused; one they do not have is a
// harmless retry. The customer's tickets stay theirs.
func TestUnlink(t *testing.T) {
	s, _, _ := newTestStore(t)
	ctx := context.Background()
	id := mustCreate(t, s, mail("m1", "ann@example.org", "Hi")).TicketID
	cid := assertWhole(t, s, id).Customer.ID
	other := assertWhole(t, s, mustCreate(t, s, mail("m2", "bob@example.org", "Hi")).TicketID).Customer.ID

	if _, err := s.UnlinkCustomer(ctx, cid, email("ann@example.org"), "ann"); !errors.Is(err, fault.ErrConflict) || !strings.Contains(err.Error(), "the only address or number") {
		t.Fatalf("unlink the last identity: %v", err)
	}
	if _, err := s.LinkCustomer(ctx, cid, phoneID("+15555550123"), "ann"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UnlinkCustomer(ctx, cid, email("bob@example.org"), "ann"); !errors.Is(err, fault.ErrConflict) {
		t.Fatalf("unlink another customer's address: %v", err)
	}
	c, err := s.UnlinkCustomer(ctx, cid, email("Ann@Example.org"), "max")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Emails) != 0 || c.Email != "" || !slices.Equal(c.Phones, []string{"+15555550123"}) {
		t.Fatalf("after unlinking the address: %+v", c)
	}
	if _, err := s.FindCustomer(ctx, "ann@example.org"); !errors.Is(err, fault.ErrNotFound) {
		t.Fatalf("the unlinked address still finds someone: %v", err)
	}
	if again, err := s.UnlinkCustomer(ctx, cid, email("ann@example.org"), "max"); err != nil || len(again.Phones) != 1 {
		t.Fatalf("unlink again = %+v, %v", again, err)
	}
	if _, err := s.UnlinkCustomer(ctx, cid, phoneID("+15555550123"), "max"); !errors.Is(err, fault.ErrConflict) {
		t.Fatalf("unlink the last number: %v", err)
	}
	if tk := assertWhole(t, s, id); tk.Customer.ID != cid || tk.Customer.Email != "" || tk.Customer.Phone != "+15555550123" {
		t.Fatalf("the ticket's customer after unlinking = %+v", tk.Customer)
	}
	// Mail from the unlinked address makes a customer of its own.
	if tk := assertWhole(t, s, mustCreate(t, s, mail("m3", "ann@example.org", "Again")).TicketID); tk.Customer.ID == cid || tk.Customer.ID == other {
		t.Fatalf("mail from the unlinked address went to customer %s", tk.Customer.ID)
	}
	p, _ := s.CustomerProfile(ctx, cid, 10, "")
	if last := p.Events[len(p.Events)-1]; last.Type != "unlinked" || last.By != "max" || last.Detail != "ann@example.org" {
		t.Fatalf("last history entry %+v", last)
	}
}

// A customer's tickets come newest first, a page at a time, whatever their
// channel, with the count of all.
func TestCustomerTickets(t *testing.T) {
	s, _, clk := newTestStore(t)
	ctx := context.Background()
	var ids []string
	for i := range 5 {
		ids = append(ids, mustCreate(t, s, mail(fmt.Sprintf("m%d", i), "ann@example.org", fmt.Sprintf("Question %d", i))).TicketID)
		mustCreate(t, s, mail(fmt.Sprintf("o%d", i), "someone@example.org", "Not hers"))
		clk.Advance(time.Minute)
	}
	cid := assertWhole(t, s, ids[0]).Customer.ID
	if _, err := s.LinkCustomer(ctx, cid, phoneID("+15555550123"), "ann"); err != nil {
		t.Fatal(err)
	}
	ids = append(ids, mustCreate(t, s, sms("SM1", "call me")).TicketID)
	slices.Reverse(ids)

	var got []string
	cursor := ""
	for page := 0; ; page++ {
		p, err := s.CustomerProfile(ctx, cid, 4, cursor)
		if err != nil {
			t.Fatal(err)
		}
		if p.TicketCount != 6 || p.Customer.ID != cid || p.Customer.Name != "Ann Lee" {
			t.Fatalf("page %d: count %d, customer %+v", page, p.TicketCount, p.Customer)
		}
		for _, tk := range p.Tickets {
			if tk.Subject == "" || tk.Status != ticket.StatusNew || tk.CreatedAt.IsZero() || tk.Customer.ID != cid {
				t.Fatalf("summary %+v", tk)
			}
			got = append(got, tk.ID)
		}
		if cursor = p.NextCursor; cursor == "" {
			break
		}
	}
	if !slices.Equal(got, ids) {
		t.Fatalf("tickets %v, want %v newest first", got, ids)
	}
	if first, _ := s.CustomerProfile(ctx, cid, 1, ""); first.Tickets[0].Channel != ticket.ChannelSMS {
		t.Fatalf("the newest ticket is %+v, want the text", first.Tickets[0])
	}
	for _, bad := range []struct {
		limit  int
		cursor string
	}{{0, ""}, {101, ""}, {10, "x"}} {
		if _, err := s.CustomerProfile(ctx, cid, bad.limit, bad.cursor); !errors.Is(err, fault.ErrInvalid) {
			t.Errorf("profile limit %d cursor %q: %v, want invalid", bad.limit, bad.cursor, err)
		}
	}
	if _, err := s.CustomerProfile(ctx, "424242", 10, ""); !errors.Is(err, fault.ErrNotFound) {
		t.Fatalf("profile of nobody: %v", err)
	}
}

// A name and notes are changed, each once per change, with their history;
// what is too long changes nothing.
func TestUpdateCustomer(t *testing.T) {
	s, _, _ := newTestStore(t)
	ctx := context.Background()
	cid := assertWhole(t, s, mustCreate(t, s, mail("m1", "ann@example.org", "Hi")).TicketID).Customer.ID
	name, notes := "Ann Lee-Smith", "Prefers mail.\nVIP since 2019."
	c, err := s.UpdateCustomer(ctx, cid, ticket.CustomerUpdate{Name: &name, Notes: &notes, By: "ann"})
	if err != nil || c.Name != name || c.Notes != notes {
		t.Fatalf("update = %+v, %v", c, err)
	}
	if _, err := s.UpdateCustomer(ctx, cid, ticket.CustomerUpdate{Name: &name, By: "ann"}); err != nil {
		t.Fatal(err)
	}
	long, twoLines := strings.Repeat("é", 201), "Ann\nLee"
	tooMuch := strings.Repeat("x", 5001)
	for _, bad := range []ticket.CustomerUpdate{{Name: &long}, {Name: &twoLines}, {Notes: &tooMuch}} {
		if _, err := s.UpdateCustomer(ctx, cid, bad); !errors.Is(err, fault.ErrInvalid) {
			t.Errorf("update %+v: %v, want invalid", bad, err)
		}
	}
	if _, err := s.UpdateCustomer(ctx, "777", ticket.CustomerUpdate{Name: &name}); !errors.Is(err, fault.ErrNotFound) {
		t.Fatalf("update nobody: %v", err)
	}
	p, _ := s.CustomerProfile(ctx, cid, 10, "")
	if p.Customer.Name != name || p.Customer.Notes != notes || len(p.Events) != 2 ||
		p.Events[0].Type != "renamed" || p.Events[0].Detail != "Ann Lee → "+name || p.Events[1].Type != "notes_edited" {
		t.Fatalf("profile %+v", p)
	}
	if tk := assertWhole(t, s, p.Tickets[0].ID); tk.Customer.Name != name {
		t.Fatalf("the ticket's customer is called %q", tk.Customer.Name)
	}
}

// A message on a known ticket from an address the customer does not have
// yet adds it (a caller who later writes in), also when they have an
// address already; a reply to the ticket goes to the address they last
// wrote from.
func TestIntakeAddsIdentities(t *testing.T) {
	s, _, _ := newTestStore(t)
	ctx := context.Background()
	id := mustCreate(t, s, mail("m1", "ann@example.org", "Hi")).TicketID
	mustCreate(t, s, mail("b1", "bob@example.org", "Hi"))
	for _, m := range []struct{ src, from string }{
		{"m2", "Ann <ann@home.example>"}, {"m3", "+15555550123"}, {"m4", "bob@example.org"},
	} {
		if _, err := s.AppendMessage(ctx, id, ticket.NewMessage{SourceKey: m.src, Channel: ticket.ChannelEmail, From: m.from, Text: "more"}); err != nil {
			t.Fatal(err)
		}
	}
	tk := assertWhole(t, s, id)
	c := tk.Customer
	if !slices.Equal(c.Emails, []string{"ann@example.org", "ann@home.example"}) || !slices.Equal(c.Phones, []string{"+15555550123"}) {
		t.Fatalf("customer after the messages = %+v (bob's address is bob's)", c)
	}
	if c.Email != "ann@home.example" {
		t.Fatalf("the ticket's address is %s, want the one she last wrote from", c.Email)
	}
	p, _ := s.CustomerProfile(ctx, c.ID, 10, "")
	if len(p.Events) != 2 || p.Events[0].By != "intake" || !strings.HasPrefix(p.Events[0].Detail, "ann@home.example") {
		t.Fatalf("history %+v", p.Events)
	}
	if found, _ := s.Customer(ctx, c.ID); found.Email != "ann@example.org" {
		t.Fatalf("the customer's first address is %s", found.Email)
	}
}

// Records written before customers had several addresses (hash fields email
// and phone, a set of tickets) read as they were, and are brought to the new
// shape as they change; an index entry their single field did not show is
// mended.
func TestCustomerOldShape(t *testing.T) {
	s, tr, _ := newTestStore(t)
	ctx := context.Background()
	id := mustCreate(t, s, mail("m1", "seed@example.org", "Seed")).TicketID
	rdb := tr.Client
	// Customer 7 as the old scripts wrote it: one email and one phone, a
	// second address in the index only, and a set of tickets.
	k := s.key("customer", "7")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(rdb.HSet(ctx, k, "name", "Olga", "email", "olga@example.org", "phone", "+15555550188", "created", "1").Err())
	must(rdb.HSet(ctx, s.key("customers", "email"), "olga@example.org", "7", "olga@old.example", "7").Err())
	must(rdb.HSet(ctx, s.key("customers", "phone"), "+15555550188", "7").Err())
	must(rdb.SAdd(ctx, k+":tickets", id).Err())
	must(rdb.HSet(ctx, s.ticketKey(id), "customer", "7").Err())

	c, err := s.Customer(ctx, "7")
	if err != nil || c.Email != "olga@example.org" || !slices.Equal(c.Emails, []string{"olga@example.org"}) ||
		!slices.Equal(c.Phones, []string{"+15555550188"}) {
		t.Fatalf("old customer = %+v, %v", c, err)
	}
	if tk := assertWhole(t, s, id); !slices.Equal(tk.Customer.Emails, []string{"olga@example.org"}) || tk.Customer.Phone != "+15555550188" {
		t.Fatalf("the ticket's old customer = %+v", tk.Customer)
	}
	p, err := s.CustomerProfile(ctx, "7", 10, "")
	if err != nil || p.TicketCount != 1 || len(p.Tickets) != 1 || p.Tickets[0].ID != id {
		t.Fatalf("old customer's tickets = %+v, %v", p, err)
	}
	if n, _ := rdb.Exists(ctx, k+":tickets").Result(); n != 0 {
		t.Fatal("the old set of tickets is still there after its move")
	}
	// An older instance, mid-upgrade, adds a ticket to the old set: the
	// next read finds it too.
	id2 := mustCreate(t, s, mail("m2", "olga@example.org", "Again")).TicketID
	must(rdb.SAdd(ctx, k+":tickets", "1").Err()) // a ticket since erased
	if p, _ := s.CustomerProfile(ctx, "7", 10, ""); p.TicketCount != 3 || len(p.Tickets) != 2 || p.Tickets[0].ID != id2 {
		t.Fatalf("after a mixed write: %+v", p)
	}

	// A new address: the old primary stays first.
	c, err = s.LinkCustomer(ctx, "7", email("olga@new.example"), "ann")
	if err != nil || !slices.Equal(c.Emails, []string{"olga@example.org", "olga@new.example"}) || c.Email != "olga@example.org" {
		t.Fatalf("link to an old customer = %+v, %v", c, err)
	}
	// The address only the index knew: linking it mends the list, and so
	// does a ticket from it.
	c, err = s.LinkCustomer(ctx, "7", email("olga@old.example"), "ann")
	if err != nil || len(c.Emails) != 3 {
		t.Fatalf("link the index-only address = %+v, %v", c, err)
	}
	// Unlinking the old primary makes the next one primary, also for
	// readers of the single field.
	c, err = s.UnlinkCustomer(ctx, "7", email("olga@example.org"), "ann")
	if err != nil || c.Email != "olga@new.example" {
		t.Fatalf("unlink the old primary = %+v, %v", c, err)
	}
	if v, _ := rdb.HGet(ctx, k, "email").Result(); v != "olga@new.example" {
		t.Fatalf("the single field says %q", v)
	}
}

// An older instance that sets the single field of a customer whose list has
// none of that kind (its own link) is still read right.
func TestCustomerSingleFieldBesideList(t *testing.T) {
	s, tr, _ := newTestStore(t)
	ctx := context.Background()
	cid := assertWhole(t, s, mustCreate(t, s, sms("SM1", "hi")).TicketID).Customer.ID
	k := s.key("customer", cid)
	if v, _ := tr.Client.HGet(ctx, k, "emails").Result(); v != "" {
		t.Fatalf("a new phone customer's emails field = %q", v)
	}
	if err := tr.Client.HSet(ctx, k, "emails", "[]", "email", "late@example.org").Err(); err != nil {
		t.Fatal(err)
	}
	c, err := s.Customer(ctx, cid)
	if err != nil || !slices.Equal(c.Emails, []string{"late@example.org"}) {
		t.Fatalf("customer = %+v, %v", c, err)
	}
	c, err = s.LinkCustomer(ctx, cid, email("later@example.org"), "ann")
	if err != nil || !slices.Equal(c.Emails, []string{"late@example.org", "later@example.org"}) {
		t.Fatalf("after a link = %+v, %v", c, err)
	}
}

// BenchmarkCustomerPanel reads what a ticket page's customer panel shows (the
// customer and their 10 newest tickets) for a customer with 20,000 tickets:
// the read costs the page, not the customer's whole history.
//
//	FRONTDESK_TEST_REDIS_URL=redis://127.0.0.1:6379/9 go test -run '^$' -bench CustomerPanel ./ticket/redisstore
func BenchmarkCustomerPanel(b *testing.B) {
	s, tr, _ := newTestStore(b)
	ctx := context.Background()
	cid := assertWhole(b, s, mustCreate(b, s, mail("bench-first", "busy@example.org", "First")).TicketID).Customer.ID
	// 20,000 more go straight into the customer's index, as ids without a
	// ticket behind them (quicker to make than tickets; never read here).
	z := s.key("customer", cid, "ticket_ids")
	for i := 0; i < 20000; i += 1000 {
		members := make([]redis.Z, 0, 1000)
		for j := i; j < i+1000; j++ {
			members = append(members, redis.Z{Score: float64(2000 + j), Member: 2000 + j})
		}
		if err := tr.Client.ZAdd(ctx, z, members...).Err(); err != nil {
			b.Fatal(err)
		}
	}
	// Ten real tickets at the top, numbered above the others.
	if err := tr.Client.Set(ctx, s.key("seq", "ticket"), 30000, 0).Err(); err != nil {
		b.Fatal(err)
	}
	for j := 0; j < 10; j++ {
		mustCreate(b, s, mail(fmt.Sprintf("bench-%d", j), "busy@example.org", "Recent"))
	}
	b.ResetTimer()
	for b.Loop() {
		p, err := s.CustomerProfile(ctx, cid, 10, "")
		if err != nil || p.TicketCount < 20000 || len(p.Tickets) != 10 {
			b.Fatalf("profile: %d tickets of %d, %v", len(p.Tickets), p.TicketCount, err)
		}
	}
}
