package accounts

import (
	"context"
	"errors"
	"testing"
	"time"

	"frontdesk/fault"
)

func TestIssueTokenReplacesTheOthers(t *testing.T) {
	tr := newTestRedis(t)
	s := newStore(tr)
	ctx := context.Background()
	first, err := s.Add(ctx, "ann", RoleAssistant, "")
	if err != nil {
		t.Fatal(err)
	}
	second, err := s.NewToken(ctx, "ann")
	if err != nil {
		t.Fatal(err)
	}
	bobs, err := s.Add(ctx, "bob", RoleAssistant, "")
	if err != nil {
		t.Fatal(err)
	}
	token, revoked, err := s.IssueToken(ctx, "ann", TokenOptions{ReplaceOthers: true})
	if err != nil || revoked != 2 || !wellFormed(token) {
		t.Fatalf("IssueToken = %q, %d, %v; want a token and 2 revoked", token, revoked, err)
	}
	for _, old := range []string{first, second} {
		if _, err := s.Authenticate(ctx, old); !errors.Is(err, ErrUnauthorized) {
			t.Errorf("a replaced token still works: %v", err)
		}
	}
	if u, err := s.Authenticate(ctx, token); err != nil || u.Name != "ann" {
		t.Errorf("the new token: %+v, %v", u, err)
	}
	if u, err := s.Authenticate(ctx, bobs); err != nil || u.Name != "bob" {
		t.Errorf("another user's token after ann's were replaced: %+v, %v", u, err)
	}
	if n := tr.Client.SCard(ctx, s.tokensKey("ann")).Val(); n != 1 {
		t.Errorf("ann's token list holds %d, want 1", n)
	}
	if ttl := tr.Client.PTTL(ctx, s.tokenKey(tokenSHA(token))).Val(); ttl != -1 {
		t.Errorf("a token without expiry has TTL %v", ttl)
	}
}

func TestIssueTokenExpires(t *testing.T) {
	tr := newTestRedis(t)
	s := newStore(tr)
	ctx := context.Background()
	forever, err := s.Add(ctx, "ann", RoleAssistant, "")
	if err != nil {
		t.Fatal(err)
	}
	brief, revoked, err := s.IssueToken(ctx, "ann", TokenOptions{Expires: time.Second})
	if err != nil || revoked != 0 {
		t.Fatalf("IssueToken = %d, %v", revoked, err)
	}
	if u, err := s.Authenticate(ctx, brief); err != nil || u.Name != "ann" {
		t.Fatalf("the token before it expires: %+v, %v", u, err)
	}
	if ttl := tr.Client.PTTL(ctx, s.tokenKey(tokenSHA(brief))).Val(); ttl <= 0 || ttl > time.Second {
		t.Errorf("token TTL = %v, want (0, 1s]", ttl)
	}
	advance(tr, 1100*time.Millisecond)
	if _, err := s.Authenticate(ctx, brief); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("an expired token: %v, want ErrUnauthorized", err)
	}
	if _, err := s.Authenticate(ctx, forever); err != nil {
		t.Errorf("the token without expiry: %v", err)
	}
	// The next token issued drops the expired one from the user's list.
	if _, _, err := s.IssueToken(ctx, "ann", TokenOptions{Expires: 90 * 24 * time.Hour}); err != nil {
		t.Fatal(err)
	}
	if n := tr.Client.SCard(ctx, s.tokensKey("ann")).Val(); n != 2 {
		t.Errorf("ann's token list holds %d, want 2 (the expired one dropped)", n)
	}
}

func TestIssueTokenRefusals(t *testing.T) {
	s := newStore(newTestRedis(t))
	ctx := context.Background()
	if _, err := s.Add(ctx, "ann", RoleAssistant, ""); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, user string
		opts       TokenOptions
		want       error
	}{
		{"unknown user", "nobody", TokenOptions{ReplaceOthers: true}, fault.ErrNotFound},
		{"invalid name", "No Body", TokenOptions{}, fault.ErrNotFound},
		{"negative expiry", "ann", TokenOptions{Expires: -time.Hour}, fault.ErrInvalid},
		{"expiry too far", "ann", TokenOptions{Expires: MaxTokenLifetime + time.Hour}, fault.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if token, _, err := s.IssueToken(ctx, tt.user, tt.opts); !errors.Is(err, tt.want) || token != "" {
				t.Fatalf("IssueToken = %q, %v; want %v", token, err, tt.want)
			}
		})
	}
	if n := s.rdb.SCard(ctx, s.tokensKey("ann")).Val(); n != 1 {
		t.Errorf("refused tokens were stored: ann has %d", n)
	}
}
