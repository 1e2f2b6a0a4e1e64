package main

import (
	"context"
	"log/slog"

	"frontdesk/web/front"
	"frontdesk/webhooks"
)

// runWebhooks registers the configured webhooks with the store — none, when
// the configuration has none, so that events stop being recorded for hooks
// taken out of it — and delivers their events until ctx ends.
func (a *app) runWebhooks(ctx context.Context) {
	d := webhooks.New(a.store, a.cfg.Webhooks, &webhooks.Options{
		Logger:     a.logger,
		Registerer: a.registry,
		PublicURL:  a.cfg.HTTP.PublicURL,
		Version:    version,
	})
	if err := d.Run(ctx); err != nil {
		a.logger.Error("webhooks stopped", slog.Any("error", err))
	}
}

// webhookPages is what the managers' webhook page and API show.
func (a *app) webhookPages() *front.Webhooks {
	w := &front.Webhooks{Store: a.store}
	for _, h := range a.cfg.Webhooks {
		w.Hooks = append(w.Hooks, front.NewWebhook(h.ID(), h.URL, h.Events))
	}
	return w
}
