package main

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/alicebob/miniredis/v2"

	"frontdesk/internal/secrets"
)

// Keys: 32 bytes in base64.
const (
	keyA = "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE="
	keyB = "QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI="
)

// A mailbox signing in with OAuth2 needs secrets.key: without it, with a bad
// one, or with one that does not open the tokens in Redis, serve does not
// start and says secrets.key; with the old key among previous_keys it does.
func TestServeNeedsTheSecretsKey(t *testing.T) {
	mr := miniredis.RunT(t)
	conf := func(secrets string) string {
		return writeConfig(t, fmt.Sprintf("redis: {url: 'redis://%s/0'}\nhttp: {listen: '127.0.0.1:0'}\n%s"+
			"mailboxes:\n  - {name: support, host: 127.0.0.1, port: 1, security: none, username: desk, auth: oauth2,\n"+
			"     oauth2: {provider: custom, auth_url: 'http://127.0.0.1:1/a', token_url: 'http://127.0.0.1:1/t', client_id: c, refresh_token: rt-config}}\n", mr.Addr(), secrets))
	}
	for _, tt := range []struct{ secrets, want string }{
		{"", "secrets.key: required when a mailbox or smtp uses auth: oauth2"},
		{"secrets: {key: c2hvcnQ=}\n", "secrets.key: invalid: 5 bytes, want 32"},
	} {
		code, _, errOut := runCmd(t, context.Background(), "serve", "-config", conf(tt.secrets))
		if code != exitFailure || !strings.Contains(errOut, tt.want) {
			t.Errorf("serve with %q: %d %q, want %q", tt.secrets, code, errOut, tt.want)
		}
	}
	// Key A seals the configuration's token in Redis as serve starts.
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	go func() {
		code, _, _ := runCmd(t, ctx, "serve", "-config", conf("secrets: {key: "+keyA+"}\n"))
		done <- code
	}()
	waitFor(t, func() bool { return len(mr.Keys()) > 0 && mr.Exists(oauthKey(mr)) })
	cancel()
	if code := <-done; code != exitOK {
		t.Fatalf("serve with key A: %d", code)
	}
	code, _, errOut := runCmd(t, context.Background(), "serve", "-config", conf("secrets: {key: "+keyB+"}\n"))
	if code != exitFailure || !strings.Contains(errOut, "secrets.key: the OAuth2 tokens of mailbox support in Redis were sealed with another key") {
		t.Errorf("serve with key B: %d %q", code, errOut)
	}
	ctx, cancel = context.WithCancel(context.Background())
	go func() {
		code, _, _ := runCmd(t, ctx, "serve", "-config", conf("secrets: {key: "+keyB+", previous_keys: ["+keyA+"]}\n"))
		done <- code
	}()
	waitFor(t, func() bool {
		v := mr.HGet(oauthKey(mr), "refresh")
		return strings.Contains(v, ".") && !strings.Contains(v, sealedBy(keyA))
	})
	cancel()
	if code := <-done; code != exitOK {
		t.Fatalf("serve with key B and A as previous: %d", code)
	}
}

func oauthKey(*miniredis.Miniredis) string { return "frontdesk:oauth2:{mailbox:support}" }

// sealedBy is how a value sealed with key starts.
func sealedBy(key string) string {
	ring, _ := secrets.New(key)
	return "fd1." + ring.KeyID() + "."
}
