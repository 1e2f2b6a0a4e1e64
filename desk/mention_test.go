package desk

import (
	"context"
	"slices"
	"testing"

	"frontdesk/ticket"
)

type someUsers []string

func (u someUsers) IsUser(_ context.Context, name string) (bool, error) {
	return slices.Contains(u, name), nil
}

func TestNoteMentions(t *testing.T) {
	d := newTestDesk(t, "")
	d.SetPeople(someUsers{"ann", "bob", "carl.d"})
	ctx := context.Background()
	r, err := d.Receive(ctx, newMail("src-1", "ann@example.org", "Order"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		text string
		want []string
	}{
		{"@bob can you look?", []string{"bob"}},
		{"Ask @Bob and @carl.d. Thanks, @bob!", []string{"bob", "carl.d"}},
		{"Mail bob@example.com or @nobody", nil},
		{"(@ann)", []string{"ann"}},
	} {
		got, err := d.mentioned(ctx, c.text)
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("mentioned(%q) = %v, %v; want %v", c.text, got, err, c.want)
		}
	}

	m, err := d.Note(ctx, r.TicketID, Answer{Text: "@bob please call her", By: "ann"})
	if err != nil || m.Direction != ticket.DirectionInternal {
		t.Fatalf("note = %+v, %v", m, err)
	}
	got, err := d.store.Shelf(ctx, ticket.ShelfMentions, "bob", 10)
	if err != nil || len(got) != 1 || got[0].ID != r.TicketID {
		t.Fatalf("bob's mentions = %+v, %v", got, err)
	}
	tk, _ := d.store.Get(ctx, r.TicketID)
	if ev := tk.Events[len(tk.Events)-1]; ev.Type != "note" || ev.Detail != "note mentioning bob" {
		t.Errorf("event = %+v", ev)
	}
	if n, _ := d.store.NewMentions(ctx, "ann"); n != 0 {
		t.Errorf("ann, who wrote it, has %d mentions", n)
	}
}
