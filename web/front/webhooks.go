package front

import (
	"context"
	"fmt"
	"net/url"

	"frontdesk/fault"
	"frontdesk/ticket"
)

// HookStore is what the webhook pages need of the store: each hook's counts
// and delivery log, and sending given-up events again (redisstore.Store has
// them).
type HookStore interface {
	HookStats(ctx context.Context, hook string) (ticket.HookStats, error)
	HookLog(ctx context.Context, hook string, limit int) ([]ticket.HookAttempt, error)
	ReviveHookEvents(ctx context.Context, hook string, limit int) (int, error)
}

// Webhook is a configured outgoing webhook as the API and the UI show it:
// its URL without a query (which may hold a token of the receiver's), never
// its secret.
type Webhook struct {
	ID     string   `json:"id"`
	URL    string   `json:"url"`
	Events []string `json:"events"`
}

// NewWebhook returns the hook id at rawURL, wanting events, as shown.
func NewWebhook(id, rawURL string, events []string) Webhook {
	if u, err := url.Parse(rawURL); err == nil {
		u.RawQuery, u.ForceQuery, u.User = "", false, nil
		rawURL = u.String()
	}
	return Webhook{ID: id, URL: rawURL, Events: append([]string{}, events...)}
}

// WebhookStatus is a webhook with its counts and its last attempt.
type WebhookStatus struct {
	Webhook
	ticket.HookStats
	// LastAttempt is the latest attempt, nil before the first.
	LastAttempt *ticket.HookAttempt `json:"last_attempt"`
}

// Webhooks are the configured outgoing webhooks, for the managers' webhook
// page and API.
type Webhooks struct {
	Store HookStore
	Hooks []Webhook
}

// List returns every configured webhook with its counts and last attempt,
// in the configuration's order.
func (w *Webhooks) List(ctx context.Context) ([]WebhookStatus, error) {
	out := make([]WebhookStatus, 0, len(w.Hooks))
	for _, h := range w.Hooks {
		st, err := w.Store.HookStats(ctx, h.ID)
		if err != nil {
			return nil, fmt.Errorf("count the deliveries to %s: %w", h.URL, err)
		}
		last, err := w.Store.HookLog(ctx, h.ID, 1)
		if err != nil {
			return nil, fmt.Errorf("read the delivery log of %s: %w", h.URL, err)
		}
		s := WebhookStatus{Webhook: h, HookStats: st}
		if len(last) > 0 {
			s.LastAttempt = &last[0]
		}
		out = append(out, s)
	}
	return out, nil
}

// Find returns the configured webhook with id, or an error wrapping
// fault.ErrNotFound.
func (w *Webhooks) Find(id string) (Webhook, error) {
	for _, h := range w.Hooks {
		if h.ID == id {
			return h, nil
		}
	}
	return Webhook{}, fmt.Errorf("webhook %q: %w", id, fault.ErrNotFound)
}

// Deliveries returns the latest attempts at webhook id, newest first, at
// most limit.
func (w *Webhooks) Deliveries(ctx context.Context, id string, limit int) ([]ticket.HookAttempt, error) {
	h, err := w.Find(id)
	if err != nil {
		return nil, err
	}
	log, err := w.Store.HookLog(ctx, h.ID, limit)
	if err != nil {
		return nil, fmt.Errorf("read the delivery log of %s: %w", h.URL, err)
	}
	return log, nil
}

// Retry sends webhook id's given-up events again (those kept, the latest
// 1,000): each goes to the end of its ticket's events for the hook, with a
// new day of retries. It returns how many.
func (w *Webhooks) Retry(ctx context.Context, id string) (int, error) {
	h, err := w.Find(id)
	if err != nil {
		return 0, err
	}
	n, err := w.Store.ReviveHookEvents(ctx, h.ID, 1000)
	if err != nil {
		return 0, fmt.Errorf("send the given-up events to %s again: %w", h.URL, err)
	}
	return n, nil
}
