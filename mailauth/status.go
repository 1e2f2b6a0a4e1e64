package mailauth

import (
	"context"
	"time"
)

// States of an account, as Status.State says.
const (
	StateConnected    = "connected"
	StateNotConnected = "not connected"
	StateFailed       = "failed"
)

// Status is what the settings page shows of an account: never a token.
type Status struct {
	// Account is the account's ID (mailbox:NAME or smtp), what the
	// connect form names.
	Account string
	// Mailbox is the mailbox's name; "" for smtp.
	Mailbox  string
	Username string
	// Provider is Microsoft, Google or a custom provider's host;
	// ProviderKind google, microsoft or custom.
	Provider, ProviderKind string
	// State is connected, not connected or failed.
	State string
	// Source is ui (a manager connected it) or config (oauth2.refresh_token).
	Source      string
	ConnectedBy string
	ConnectedAt time.Time
	RefreshedAt time.Time
	// Failure is why the provider refused the refresh token, when State is
	// failed, since FailedAt.
	Failure  string
	FailedAt time.Time
	// Refusal is the mail server's last refusal of a token, until a
	// sign-in succeeds.
	Refusal   string
	RefusedAt time.Time
}

// Label names the account for people: "mailbox support" or "smtp".
func (s Status) Label() string {
	if s.Mailbox != "" {
		return "mailbox " + s.Mailbox
	}
	return "smtp"
}

// Problem says, on one line, what is wrong: for /readyz.
func (s Status) Problem() string {
	switch s.State {
	case StateFailed:
		return s.Label() + ": sign-in refused since " + s.FailedAt.UTC().Format(time.RFC3339) +
			": " + s.Failure + "; a manager must reconnect it on the settings page"
	case StateNotConnected:
		return s.Label() + ": not connected to " + s.Provider + " yet; a manager connects it on the settings page"
	}
	return ""
}

func (a *Account) status(r record) Status {
	st := Status{
		Account: a.ID, Mailbox: a.Mailbox, Username: a.Username, Provider: a.Provider(), ProviderKind: a.cfg.Provider,
		State: StateConnected, Source: r.source, ConnectedBy: r.by, ConnectedAt: r.connectedAt, RefreshedAt: r.refreshedAt,
		Refusal: r.refused, RefusedAt: r.refusedAt,
	}
	switch {
	case r.failed != "":
		st.State, st.Failure, st.FailedAt = StateFailed, r.failed, r.failedAt
	case !r.connected():
		st.State = StateNotConnected
	}
	return st
}

// Statuses reads every account's state from Redis now.
func (m *Manager) Statuses(ctx context.Context) ([]Status, error) {
	out := make([]Status, 0, len(m.accounts))
	for _, a := range m.accounts {
		r, err := a.load(ctx)
		if err != nil {
			return nil, err
		}
		out = append(out, a.status(r))
	}
	return out, nil
}

// CanConnect reports whether accounts can be connected in the web UI: the
// provider needs http.public_url to send the manager back to.
func (m *Manager) CanConnect() bool { return m.opts.PublicURL != "" }
