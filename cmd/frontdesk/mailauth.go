package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"frontdesk/desk"
	"frontdesk/fault"
	"frontdesk/internal/secrets"
	"frontdesk/mailauth"
)

// openMailAuth sets up the OAuth2 sign-in of the mailboxes and smtp that
// use it: secrets.key's keyring and each instance's start-up work. A bad
// key, or tokens in Redis sealed with a key this instance does not have,
// stop start-up with an error naming secrets.key.
func (a *app) openMailAuth() error {
	if !a.cfg.UsesOAuth2() {
		return nil
	}
	keys, err := secrets.New(a.cfg.Secrets.Key, a.cfg.Secrets.PreviousKeys...)
	if err != nil {
		return err
	}
	m, err := mailauth.New(a.cfg, mailauth.Options{
		Redis: a.rdb, Prefix: a.cfg.Redis.Prefix, Keys: keys, Now: a.clock.Now, Instance: a.instance,
		PublicURL: a.cfg.HTTP.PublicURL, Logger: a.logger.With(slog.String("component", "oauth2")), Registerer: a.registry,
		Notify: a.notifyManagers,
	})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := m.Start(ctx); err != nil {
		return err
	}
	a.mailAuth = m
	return nil
}

// notifyManagers mails notify.managers, once per incident, that a mailbox
// can no longer sign in (package desk: a notice through the outbox).
// Without managers to tell, or a server to send through, there is nothing
// to do; the settings page, /readyz, the metrics and the log still say it.
func (a *app) notifyManagers(ctx context.Context, in mailauth.Incident) error {
	to := a.cfg.Notify.Managers
	if len(to) == 0 || a.cfg.SMTP.Host == "" {
		return nil
	}
	acct := in.Account
	mb, _ := a.cfg.Mailbox(acct.Mailbox)
	settings := "the settings page"
	if a.cfg.HTTP.PublicURL != "" {
		settings = a.cfg.HTTP.PublicURL + "/settings"
	}
	text := fmt.Sprintf(`frontdesk can no longer read the mailbox %s (%s): %s refused its sign-in at %s:

    %s

Mail sent to the mailbox waits on the mail server; nothing is lost. A manager must connect the mailbox again: open %s, press "Reconnect" next to the mailbox, and sign in as %s.

frontdesk sends this once per incident.
`, acct.Mailbox, acct.Username, acct.Provider(), in.At.UTC().Format("2006-01-02 15:04 UTC"), in.Reason, settings, acct.Username)
	_, err := a.desk.Notify(ctx, desk.Notice{
		Key: fmt.Sprintf("oauth2:%s:%d", acct.ID, in.Number), To: to,
		Subject: "Mailbox " + acct.Mailbox + " cannot sign in: reconnect it",
		Text:    text, Queue: mb.Queue, Mailbox: mb.Name,
	})
	if errors.Is(err, fault.ErrConflict) || errors.Is(err, fault.ErrInvalid) {
		// No address to send from: trying again will not help.
		a.logger.Error("the managers cannot be told by mail", slog.String("mailbox", acct.Mailbox), slog.Any("error", err))
		return nil
	}
	return err
}
