package testweb

import (
	"context"
	"testing"
	"time"

	"frontdesk/ticket"
	"frontdesk/ticket/redisstore"
)

// UnknownReply queues a reply (source key src) on ticket id and leaves it
// unknown, as a send cut off after its final dot does; it returns the
// reply's id.
func UnknownReply(t *testing.T, store *redisstore.Store, id, src string) string {
	t.Helper()
	ctx := context.Background()
	r, err := store.AppendMessage(ctx, id, ticket.NewMessage{SourceKey: src, Direction: ticket.DirectionOut,
		To: []string{"ann@example.org"}, Text: "Answer", Delivery: ticket.DeliveryQueued, By: "ann"})
	if err != nil {
		t.Fatal(err)
	}
	o, err := store.TakeOutbound(ctx, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range []ticket.Delivery{ticket.DeliverySending, ticket.DeliveryUnknown} {
		if err := store.SettleOutbound(ctx, o, ticket.Settlement{Delivery: st, Detail: "the sending was cut off", By: "responder"}); err != nil {
			t.Fatal(err)
		}
	}
	return r.MessageID
}
