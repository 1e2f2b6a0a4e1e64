package ui

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"frontdesk/ticket"
	"frontdesk/web/front"
)

// The webhooks page shows each hook's URL, counts and attempts in words,
// for managers only; without webhooks it says so.
func TestUIWebhooks(t *testing.T) {
	hook := front.NewWebhook("abc123abc123", "https://hooks.example.com/in?token=s3cret", []string{"ticket.created"})
	e := newUIEnv(t, func(f *front.Front, _ *Options) {})
	ctx := context.Background()
	max := e.login(t, "max")
	if res, body := max.get(t, "/webhooks"); res.StatusCode != http.StatusOK || !strings.Contains(body, "No webhooks are configured.") {
		t.Fatalf("without webhooks: %d\n%s", res.StatusCode, body)
	}

	e2 := newUIEnv(t, func(f *front.Front, _ *Options) {
		f.Webhooks = &front.Webhooks{Store: f.Tickets.(front.HookStore), Hooks: []front.Webhook{hook}}
	})
	store := e2.store
	if err := store.RegisterHooks(ctx, map[string][]string{hook.ID: hook.Events}); err != nil {
		t.Fatal(err)
	}
	id := e2.mail(t, 1)
	ev, err := store.TakeHookEvent(ctx, hook.ID, time.Minute, "w")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.SettleHookEvent(ctx, ev, ticket.HookOutcome{Error: "no answer within 10s", Duration: 10 * time.Second,
		RetryIn: time.Hour, MaxAge: 24 * time.Hour}); err != nil {
		t.Fatal(err)
	}
	max = e2.login(t, "max")
	res, body := max.get(t, "/webhooks")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("webhooks page: %d", res.StatusCode)
	}
	for _, want := range []string{"https://hooks.example.com/in<", "Sends: ticket.created", `href="/tickets/` + id + `"`,
		"Failed, will try again", "no answer", "10.0 s", "no answer within 10s", `data-delivery="` + id + `-1"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if strings.Contains(body, "s3cret") {
		t.Error("the page shows the URL's query")
	}
	if strings.Contains(body, "given-up event") {
		t.Error("the page offers to send given-up events again while there are none")
	}
	// Given up: the page offers to send it again, and does.
	e2.mail(t, 2)
	ev, err = store.TakeHookEvent(ctx, hook.ID, time.Minute, "w")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.SettleHookEvent(ctx, ev, ticket.HookOutcome{Error: "gone", MaxAge: time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	if _, body = max.get(t, "/webhooks"); !strings.Contains(body, "Send the given-up event again") {
		t.Fatalf("no form to send the given-up event again:\n%s", body)
	}
	res, body = max.post(t, "/webhooks/"+hook.ID+"/retry", nil)
	wantRedirect(t, "send again", res, body, "/webhooks", "1 given-up event will be sent again.")
	if st, _ := store.HookStats(ctx, hook.ID); st.GivenUp != 0 || st.Waiting != 2 {
		t.Errorf("after sending again: %+v", st)
	}
	if res, _ := e2.login(t, "ann").get(t, "/webhooks"); res.StatusCode != http.StatusForbidden {
		t.Errorf("an assistant on /webhooks: %d, want 403", res.StatusCode)
	}
}
