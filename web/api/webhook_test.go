package api

import (
	"context"
	"strings"
	"testing"
	"time"

	"frontdesk/ticket"
	"frontdesk/web/front"
	"frontdesk/web/internal/testweb"
)

// The managers see each webhook with its counts, and its delivery log;
// assistants see neither; no secret or query is shown.
func TestWebhookRoutes(t *testing.T) {
	store := testweb.NewStore(t)
	acc := testweb.NewAccounts()
	f := newFront(t, store, acc, nil)
	hook := front.NewWebhook("abc123abc123", "https://hooks.example.com/in?token=s3cret", []string{"ticket.created"})
	f.Webhooks = &front.Webhooks{Store: store, Hooks: []front.Webhook{hook}}
	e := &apiEnv{h: serveAPI(f), store: store, accounts: acc}
	ctx := context.Background()
	if err := store.RegisterHooks(ctx, map[string][]string{hook.ID: hook.Events}); err != nil {
		t.Fatal(err)
	}
	id := e.mail(t, 1)
	ev, err := store.TakeHookEvent(ctx, hook.ID, time.Minute, "w")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.SettleHookEvent(ctx, ev, ticket.HookOutcome{Status: 503, Error: "answered 503 Service Unavailable",
		Duration: 42 * time.Millisecond, RetryIn: time.Millisecond, MaxAge: 24 * time.Hour}); err != nil {
		t.Fatal(err)
	}

	e.do(t, req{method: "GET", target: "/api/v1/webhooks", token: annToken}).want(t, 403, "")
	a := e.do(t, req{method: "GET", target: "/api/v1/webhooks", token: maxToken})
	a.want(t, 200, "")
	list := decode[[]front.WebhookStatus](t, a)
	if len(list) != 1 || list[0].URL != "https://hooks.example.com/in" || list[0].Waiting != 1 || list[0].Failed != 1 ||
		list[0].LastAttempt == nil || list[0].LastAttempt.Status != 503 || strings.Contains(string(a.body), "s3cret") {
		t.Fatalf("GET /api/v1/webhooks = %s", a.body)
	}
	d := e.do(t, req{method: "GET", target: "/api/v1/webhooks/abc123abc123/deliveries?limit=5", token: maxToken})
	d.want(t, 200, "")
	log := decode[[]ticket.HookAttempt](t, d)
	if len(log) != 1 || log[0].TicketID != id || log[0].Delivery != id+"-1" || log[0].Result != ticket.HookFailed ||
		log[0].DurationMS != 42 || log[0].Event != "ticket.created" {
		t.Fatalf("deliveries = %s", d.body)
	}
	// Given up, then sent again.
	time.Sleep(5 * time.Millisecond)
	ev, err = store.TakeHookEvent(ctx, hook.ID, time.Minute, "w")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.SettleHookEvent(ctx, ev, ticket.HookOutcome{Error: "gone", MaxAge: time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	e.do(t, req{method: "POST", target: "/api/v1/webhooks/abc123abc123/retry", token: annToken}).want(t, 403, "")
	rt := e.do(t, req{method: "POST", target: "/api/v1/webhooks/abc123abc123/retry", token: maxToken})
	rt.want(t, 200, "")
	if got := strings.TrimSpace(string(rt.body)); got != `{"requeued":1}` {
		t.Fatalf("retry = %s", got)
	}
	if again, err := store.TakeHookEvent(ctx, hook.ID, time.Minute, "w"); err != nil || again.DeliveryID() != id+"-1" {
		t.Fatalf("after the retry: %+v, %v", again, err)
	}
	e.do(t, req{method: "POST", target: "/api/v1/webhooks/nope/retry", token: maxToken}).want(t, 404, "")
	e.do(t, req{method: "GET", target: "/api/v1/webhooks/nope/deliveries", token: maxToken}).want(t, 404, "")
	e.do(t, req{method: "GET", target: "/api/v1/webhooks/abc123abc123/deliveries?limit=0", token: maxToken}).want(t, 400, "limit must be 1-200")
	e.do(t, req{method: "GET", target: "/api/v1/webhooks/abc123abc123/deliveries", token: annToken}).want(t, 403, "")
}
