// Package secrets encrypts the secrets frontdesk keeps in Redis (OAuth2
// refresh and access tokens) with the deployment's key, secrets.key: AES-256
// in GCM mode, a fresh random nonce per value, and additional data naming the
// value's place (so that a value copied to another key does not open there).
//
// A sealed value reads "fd1.KEYID.DATA": KEYID names the key it was sealed
// with (8 hex digits of a hash of the key, which says nothing about the key
// itself) and DATA is base64url(nonce | ciphertext | tag). A Keyring opens
// values sealed with its current key or with any of its previous keys
// (secrets.previous_keys), and seals only with the current one: rotating the
// key is setting a new key and moving the old one to previous_keys; what was
// sealed with the old key is sealed again with the new one on its next write
// (see package mailauth), and the old key can go once nothing uses it.
package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// KeySize is the size of a key: 32 bytes, AES-256.
const KeySize = 32

// version starts every sealed value.
const version = "fd1"

// ErrUnknownKey: the value was sealed with a key the Keyring does not have.
var ErrUnknownKey = errors.New("sealed with a key that is neither secrets.key nor one of secrets.previous_keys")

// ParseKey decodes a key written in base64 (standard or URL alphabet,
// padded or not) and checks that it is KeySize bytes long.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, errors.New("empty")
	}
	var b []byte
	var err error
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err = enc.DecodeString(s); err == nil {
			break
		}
	}
	if err != nil {
		return nil, errors.New("not base64 (make one with: openssl rand -base64 32)")
	}
	if len(b) != KeySize {
		return nil, fmt.Errorf("%d bytes, want %d (make one with: openssl rand -base64 32)", len(b), KeySize)
	}
	return b, nil
}

type key struct {
	id   string
	aead cipher.AEAD
}

func newKey(raw []byte) (key, error) {
	block, err := aes.NewCipher(raw)
	if err != nil {
		return key{}, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return key{}, err
	}
	return key{id: KeyID(raw), aead: aead}, nil
}

// KeyID names a key in sealed values: 8 hex digits of a SHA-256 of it,
// which cannot be turned back into the key.
func KeyID(raw []byte) string {
	sum := sha256.Sum256(append([]byte("frontdesk secrets key id\x00"), raw...))
	return hex.EncodeToString(sum[:4])
}

// Keyring seals with one key and opens with it and the previous ones. It is
// safe for concurrent use.
type Keyring struct {
	current  key
	previous []key
}

// New returns a Keyring sealing with current and opening with current and
// previous, all written in base64 (ParseKey).
func New(current string, previous ...string) (*Keyring, error) {
	raw, err := ParseKey(current)
	if err != nil {
		return nil, fmt.Errorf("secrets.key: %w", err)
	}
	cur, err := newKey(raw)
	if err != nil {
		return nil, fmt.Errorf("secrets.key: %w", err)
	}
	k := &Keyring{current: cur}
	for i, p := range previous {
		raw, err := ParseKey(p)
		if err != nil {
			return nil, fmt.Errorf("secrets.previous_keys[%d]: %w", i, err)
		}
		pk, err := newKey(raw)
		if err != nil {
			return nil, fmt.Errorf("secrets.previous_keys[%d]: %w", i, err)
		}
		k.previous = append(k.previous, pk)
	}
	return k, nil
}

// KeyID is the current key's id.
func (k *Keyring) KeyID() string { return k.current.id }

// Seal encrypts plaintext with the current key, bound to place (the value's
// Redis key and field, say): Open must be given the same place.
func (k *Keyring) Seal(plaintext []byte, place string) string {
	nonce := make([]byte, k.current.aead.NonceSize())
	_, _ = rand.Read(nonce) // never fails (crypto/rand)
	out := k.current.aead.Seal(nonce, nonce, plaintext, []byte(place))
	return version + "." + k.current.id + "." + base64.RawURLEncoding.EncodeToString(out)
}

// SealedKeyID returns the id of the key a sealed value names, "" when it is
// not a sealed value.
func SealedKeyID(sealed string) string {
	v, rest, ok := strings.Cut(sealed, ".")
	if !ok || v != version {
		return ""
	}
	id, _, ok := strings.Cut(rest, ".")
	if !ok {
		return ""
	}
	return id
}

// Open decrypts a sealed value of place. current reports whether it was
// sealed with the current key; when not, the caller should seal it again.
// ErrUnknownKey means no key of the ring sealed it; any other error, that it
// was changed, or sealed for another place.
func (k *Keyring) Open(sealed, place string) (plaintext []byte, current bool, err error) {
	parts := strings.SplitN(sealed, ".", 3)
	if len(parts) != 3 || parts[0] != version {
		return nil, false, errors.New("open secret: not a sealed value")
	}
	data, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return nil, false, errors.New("open secret: not a sealed value")
	}
	for i, kk := range append([]key{k.current}, k.previous...) {
		if kk.id != parts[1] {
			continue
		}
		ns := kk.aead.NonceSize()
		if len(data) < ns+kk.aead.Overhead() {
			return nil, false, errors.New("open secret: too short")
		}
		plain, err := kk.aead.Open(nil, data[:ns], data[ns:], []byte(place))
		if err != nil {
			return nil, false, errors.New("open secret: it does not decrypt: changed, or sealed for another place")
		}
		return plain, i == 0, nil
	}
	return nil, false, fmt.Errorf("open secret (key %s): %w", parts[1], ErrUnknownKey)
}
