package mail

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"frontdesk/config"
	"frontdesk/internal/secrets"
	"frontdesk/internal/testoauth"
	"frontdesk/internal/testredis"
	"frontdesk/mailauth"
	"frontdesk/responders/smtpsink"
)

// oauthSender is a Sender signing in with OAuth2 (mechanism) to an SMTP
// server that checks every token at a test OAuth2 server.
func oauthSender(t *testing.T, mechanism string) (*Sender, *smtpsink.Sink, *testoauth.Server) {
	t.Helper()
	srv := testoauth.Start(t)
	sink, err := smtpsink.StartWith(smtpsink.Options{Tokens: srv.Active})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sink.Close() })
	cfg := config.SMTP{Host: "127.0.0.1", Port: sink.Port(), Security: "none", Auth: config.AuthOAuth2, Username: "desk",
		OAuth2: config.OAuth2{Provider: "custom", ClientID: testoauth.ClientID, ClientSecret: testoauth.ClientSecret,
			AuthURL: srv.AuthURL(), TokenURL: srv.TokenURL(), RefreshToken: srv.Grant("desk"), Mechanism: mechanism}}
	key := make([]byte, secrets.KeySize)
	_, _ = rand.Read(key)
	keys, _ := secrets.New(base64.StdEncoding.EncodeToString(key))
	r := testredis.New(t)
	m, err := mailauth.New(&config.Config{SMTP: cfg}, mailauth.Options{Redis: r.Client, Prefix: r.Prefix, Keys: keys,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	s := NewSender(cfg, &SenderOptions{Logger: slog.New(slog.DiscardHandler), OAuth2: m.SMTP()})
	t.Cleanup(func() { _ = s.Close() })
	return s, sink, srv
}

// Replies go out signed in by XOAUTH2 with a token the server checks; a
// token the provider ended is refused, refreshed and tried again on the
// same connection; a revoked consent stops sending with a temporary error
// that says why.
func TestSendXOAUTH2(t *testing.T) {
	s, sink, srv := oauthSender(t, "auto")
	ctx := context.Background()
	if err := s.Send(ctx, "desk@example.com", []string{"ann@example.org"}, testRaw(1)); err != nil {
		t.Fatal(err)
	}
	got := sink.Received()
	if len(got) != 1 || got[0].User != "desk" {
		t.Fatalf("received %+v, want one mail from a session signed in as desk", got)
	}
	if ok, refused := sink.Auths(); ok != 1 || refused != 0 {
		t.Errorf("sign-ins: %d accepted, %d refused", ok, refused)
	}

	srv.EndAccessTokens("desk")
	_ = s.Close() // the next mail signs in again
	if err := s.Send(ctx, "desk@example.com", []string{"ann@example.org"}, testRaw(2)); err != nil {
		t.Fatalf("send after the token was ended: %v", err)
	}
	if ok, refused := sink.Auths(); ok != 2 || refused != 1 || len(sink.Received()) != 2 {
		t.Errorf("after the ended token: %d accepted, %d refused, %d mails; want 2, 1, 2", ok, refused, len(sink.Received()))
	}

	srv.Revoke("desk")
	_ = s.Close()
	err := s.Send(ctx, "desk@example.com", []string{"ann@example.org"}, testRaw(3))
	var perm *PermanentError
	if !errors.Is(err, mailauth.ErrRevoked) || errors.As(err, &perm) || !strings.Contains(err.Error(), "invalid_grant") {
		t.Fatalf("send after the revocation: %v, want a temporary error saying the sign-in was refused for good", err)
	}
	if len(sink.Received()) != 2 {
		t.Errorf("a mail went out after the revocation")
	}
}

func TestSendOAUTHBEARER(t *testing.T) {
	s, sink, _ := oauthSender(t, "oauthbearer")
	if err := s.Send(context.Background(), "desk@example.com", []string{"ann@example.org"}, testRaw(1)); err != nil {
		t.Fatal(err)
	}
	if ok, _ := sink.Auths(); ok != 1 || len(sink.Received()) != 1 {
		t.Errorf("%d sign-ins, %d mails", ok, len(sink.Received()))
	}
}
