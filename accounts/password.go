package accounts

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"frontdesk/fault"

	"golang.org/x/crypto/argon2"
)

// argonParams are argon2id's cost parameters (RFC 9106). They are stored in
// each hash, so changing them here affects new hashes only; a user whose hash
// has other parameters is rehashed at the next successful login.
type argonParams struct {
	time    uint32 // passes over memory
	memory  uint32 // KiB
	threads uint8
	saltLen uint32
	keyLen  uint32
}

// defaultParams suit a small (2-core) server: about 30-60 ms and 32 MiB per
// hash. RFC 9106 §4's second recommendation is t=3, m=64 MiB; this trades a
// little of that for logins that do not queue behind each other.
var defaultParams = argonParams{time: 2, memory: 32 * 1024, threads: 2, saltLen: 16, keyLen: 32}

// Bounds on parameters read back from a stored hash, so that a damaged or
// planted hash cannot make a login allocate without limit.
const (
	maxMemoryKiB = 1 << 20 // 1 GiB
	maxTime      = 16
)

var b64 = base64.RawStdEncoding // PHC strings use unpadded standard base64

// hashPassword returns password's argon2id hash in PHC string form:
// $argon2id$v=19$m=32768,t=2,p=2$SALT$HASH.
func hashPassword(p argonParams, password string) string {
	salt := make([]byte, p.saltLen)
	_, _ = rand.Read(salt) // never fails: it crashes the program instead (Go 1.24+)
	key := argon2.IDKey([]byte(password), salt, p.time, p.memory, p.threads, p.keyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.memory, p.time, p.threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

var errBadHash = errors.New("not an argon2id hash this store can read")

// parseHash reads a PHC string made by hashPassword.
func parseHash(encoded string) (p argonParams, salt, key []byte, err error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, errBadHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return p, nil, nil, errBadHash
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.memory, &p.time, &p.threads); err != nil {
		return p, nil, nil, errBadHash
	}
	if p.memory == 0 || p.memory > maxMemoryKiB || p.time == 0 || p.time > maxTime || p.threads == 0 {
		return p, nil, nil, errBadHash
	}
	if salt, err = b64.DecodeString(parts[4]); err != nil || len(salt) < 8 {
		return p, nil, nil, errBadHash
	}
	if key, err = b64.DecodeString(parts[5]); err != nil || len(key) < 16 {
		return p, nil, nil, errBadHash
	}
	p.saltLen, p.keyLen = uint32(len(salt)), uint32(len(key))
	return p, salt, key, nil
}

// verifyPassword reports whether password matches the PHC hash encoded, and
// whether that hash was made with parameters other than want.
func verifyPassword(encoded, password string, want argonParams) (ok, stale bool) {
	p, salt, key, err := parseHash(encoded)
	if err != nil {
		return false, false
	}
	got := argon2.IDKey([]byte(password), salt, p.time, p.memory, p.threads, p.keyLen)
	return subtle.ConstantTimeCompare(got, key) == 1, p != want
}

// How many passwords are hashed or checked at once, and how long the rest
// wait. Each argon2id run takes its memory parameter in RAM (32 MiB with
// defaultParams) and its threads parameter in cores (2) for 30-60 ms, so a
// burst of logins must not run them all at once: one run per core (at least
// 2, at most maxHashSlots) keeps every core busy, and more at once would only
// add memory, not speed. At most maxHashWaiting attempts wait for their turn,
// each at most maxHashWait; others are refused at once (ErrBusy: the web
// answers 503, try again). The peak is maxHashSlots × 32 MiB = 256 MiB on a
// large machine, 64 MiB on two cores, whatever arrives.
const (
	maxHashSlots   = 8
	maxHashWaiting = 64
	maxHashWait    = 3 * time.Second
)

// hashSlots is how many hashes run at once on procs cores.
func hashSlots(procs int) int { return min(max(2, procs), maxHashSlots) }

// ErrBusy: too many passwords are being checked at this moment; the same
// call may work a moment later. fault.IsUnavailable holds for it.
var ErrBusy = fault.Unavailable(errors.New("too many sign-ins at once; try again in a moment"))

// hashing runs f while holding one of the store's hashing slots. It waits for
// one with ctx, at most s.hashWait, and only while fewer than s.maxWaiting
// others wait: else it is ErrBusy (or ctx's error, as unavailable) and f
// does not run.
func (s *Store) hashing(ctx context.Context, f func()) error {
	select {
	case s.hashSlots <- struct{}{}:
	default:
		if err := s.waitForSlot(ctx); err != nil {
			return err
		}
	}
	defer func() { <-s.hashSlots }()
	f()
	return nil
}

func (s *Store) waitForSlot(ctx context.Context) error {
	if s.waiting.Add(1) > s.maxWaiting {
		s.waiting.Add(-1)
		return ErrBusy
	}
	defer s.waiting.Add(-1)
	timer := time.NewTimer(s.hashWait)
	defer timer.Stop()
	select {
	case s.hashSlots <- struct{}{}:
		return nil
	case <-timer.C:
		return ErrBusy
	case <-ctx.Done():
		return fault.Unavailable(fmt.Errorf("wait to check a password: %w", ctx.Err()))
	}
}

// dummyHash is a hash of a random password with the store's parameters: a
// login for a name without a password is checked against it, so that it takes
// as long as one for a real user.
func (s *Store) dummyHash() string {
	s.dummyOnce.Do(func() { s.dummy = hashPassword(s.params, rand.Text()) })
	return s.dummy
}
