package secrets

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

func newKeyString(t *testing.T) string {
	t.Helper()
	b := make([]byte, KeySize)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(b)
}

func TestSealOpens(t *testing.T) {
	k, err := New(newKeyString(t))
	if err != nil {
		t.Fatal(err)
	}
	s := k.Seal([]byte("1//refresh-token"), "oauth2:support:refresh")
	if strings.Contains(s, "refresh-token") {
		t.Fatalf("the sealed value shows the secret: %s", s)
	}
	if SealedKeyID(s) != k.KeyID() {
		t.Errorf("sealed value names key %q, want %q", SealedKeyID(s), k.KeyID())
	}
	got, current, err := k.Open(s, "oauth2:support:refresh")
	if err != nil || string(got) != "1//refresh-token" || !current {
		t.Fatalf("Open = %q, %v, %v", got, current, err)
	}
	if s2 := k.Seal([]byte("1//refresh-token"), "oauth2:support:refresh"); s2 == s {
		t.Errorf("two seals of one value are equal: the nonce is not fresh")
	}
}

func TestOpenRefusesAnotherPlaceAndChanges(t *testing.T) {
	k, err := New(newKeyString(t))
	if err != nil {
		t.Fatal(err)
	}
	s := k.Seal([]byte("token"), "oauth2:support:refresh")
	if _, _, err := k.Open(s, "oauth2:sales:refresh"); err == nil {
		t.Errorf("a value opened at another place")
	}
	b := []byte(s)
	b[len(b)-3] ^= 1
	if _, _, err := k.Open(string(b), "oauth2:support:refresh"); err == nil {
		t.Errorf("a changed value opened")
	}
	for _, bad := range []string{"", "token", "fd1.x", "fd2." + k.KeyID() + ".AAAA", "fd1." + k.KeyID() + ".!!"} {
		if _, _, err := k.Open(bad, "p"); err == nil {
			t.Errorf("Open(%q) did not fail", bad)
		}
	}
}

// Rotation: the new ring opens what the old key sealed (not current, so the
// caller seals it again), and seals with the new key; without the old key
// such a value is ErrUnknownKey.
func TestRotation(t *testing.T) {
	oldKey, newKey := newKeyString(t), newKeyString(t)
	old, _ := New(oldKey)
	s := old.Seal([]byte("token"), "p")
	rotated, err := New(newKey, oldKey)
	if err != nil {
		t.Fatal(err)
	}
	got, current, err := rotated.Open(s, "p")
	if err != nil || string(got) != "token" || current {
		t.Fatalf("Open with the previous key = %q, current %v, %v", got, current, err)
	}
	if SealedKeyID(rotated.Seal(got, "p")) == old.KeyID() {
		t.Errorf("the rotated ring seals with the old key")
	}
	bare, _ := New(newKey)
	if _, _, err := bare.Open(s, "p"); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("Open without the old key: %v, want ErrUnknownKey", err)
	}
}

func TestParseKey(t *testing.T) {
	good := newKeyString(t)
	raw, _ := base64.StdEncoding.DecodeString(good)
	for _, s := range []string{good, base64.RawURLEncoding.EncodeToString(raw), " " + good + "\n"} {
		if _, err := ParseKey(s); err != nil {
			t.Errorf("ParseKey(%q): %v", s, err)
		}
	}
	for _, s := range []string{"", "not base64!", base64.StdEncoding.EncodeToString(raw[:16])} {
		if _, err := ParseKey(s); err == nil {
			t.Errorf("ParseKey(%q) did not fail", s)
		}
	}
	if _, err := New("short", good); err == nil || !strings.HasPrefix(err.Error(), "secrets.key") {
		t.Errorf("New with a bad key: %v, want it to name secrets.key", err)
	}
	if _, err := New(good, "short"); err == nil || !strings.HasPrefix(err.Error(), "secrets.previous_keys[0]") {
		t.Errorf("New with a bad previous key: %v", err)
	}
}
