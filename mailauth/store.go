package mailauth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"frontdesk/fault"
	"frontdesk/internal/secrets"
)

// record is an account's connection as Redis keeps it, its secrets still
// sealed.
type record struct {
	refresh, access string // sealed
	expiry          time.Time
	lifetime        time.Duration
	gen             int64
	source, by      string
	connectedAt     time.Time
	refreshedAt     time.Time
	failed          string
	failedAt        time.Time
	incident        int64
	notified        int64
	refused         string
	refusedAt       time.Time
	configSeed      string
}

func (r record) connected() bool { return r.refresh != "" }

// load reads the account's record.
func (a *Account) load(ctx context.Context) (record, error) {
	m, err := a.rdb.HGetAll(ctx, a.key).Result()
	if err != nil {
		return record{}, fault.Redis("read the OAuth2 connection of "+a.Label, err)
	}
	num := func(f string) int64 { n, _ := strconv.ParseInt(m[f], 10, 64); return n }
	at := func(f string) time.Time {
		if n := num(f); n > 0 {
			return time.UnixMilli(n)
		}
		return time.Time{}
	}
	return record{
		refresh: m["refresh"], access: m["access"],
		expiry: at("expiry"), lifetime: time.Duration(num("lifetime")) * time.Millisecond,
		gen: num("gen"), source: m["source"], by: m["by"],
		connectedAt: at("connected_at"), refreshedAt: at("refreshed_at"),
		failed: m["failed"], failedAt: at("failed_at"), incident: num("incident"), notified: num("notified"),
		refused: m["refused"], refusedAt: at("refused_at"), configSeed: m["config_seed"],
	}, nil
}

// place is what a sealed field is bound to: the deployment, the account and
// the field, so that a value copied elsewhere does not open.
func (a *Account) place(field string) string { return a.key + "/" + field }

func (a *Account) seal(field, plain string) string {
	return a.keys.Seal([]byte(plain), a.place(field))
}

// open decrypts a sealed field; stale reports that it was sealed with a
// previous key.
func (a *Account) open(field, sealed string) (plain string, stale bool, err error) {
	b, current, err := a.keys.Open(sealed, a.place(field))
	if err != nil {
		return "", false, err
	}
	return string(b), !current, nil
}

// seedOf names a refresh token from the configuration without keeping it.
func seedOf(token string) string {
	sum := sha256.Sum256([]byte("frontdesk config refresh token\x00" + token))
	return hex.EncodeToString(sum[:16])
}

// storeScript stores a refreshed token if the record is still the
// generation it was refreshed from and this instance holds the refresh
// lock: the refresh token (sealed again, with the current key; the
// provider's new one when it rotated it) and the access token together.
// KEYS[1] record, KEYS[2] lock; ARGV[1] gen, ARGV[2] lock value, ARGV[3]
// refresh, ARGV[4] access, ARGV[5] expiry ms, ARGV[6] lifetime ms, ARGV[7]
// now ms. Returns the new generation, or 0.
var storeScript = redis.NewScript(`
if tostring(redis.call('HGET', KEYS[1], 'gen') or '0') ~= ARGV[1] then return 0 end
if redis.call('GET', KEYS[2]) ~= ARGV[2] then return 0 end
if (redis.call('HGET', KEYS[1], 'failed') or '') ~= '' then return 0 end
redis.call('HSET', KEYS[1], 'refresh', ARGV[3], 'access', ARGV[4], 'expiry', ARGV[5], 'lifetime', ARGV[6], 'refreshed_at', ARGV[7])
return redis.call('HINCRBY', KEYS[1], 'gen', 1)
`)

// failScript marks the account failed for good, once: unless the record
// changed since (a reconnect) or is failed already. It forgets the access
// token. KEYS[1] record; ARGV[1] gen, ARGV[2] reason, ARGV[3] now ms.
// Returns the incident's number, or 0.
var failScript = redis.NewScript(`
if tostring(redis.call('HGET', KEYS[1], 'gen') or '0') ~= ARGV[1] then return 0 end
if (redis.call('HGET', KEYS[1], 'failed') or '') ~= '' then return 0 end
redis.call('HSET', KEYS[1], 'failed', ARGV[2], 'failed_at', ARGV[3], 'expiry', 0)
redis.call('HDEL', KEYS[1], 'access')
redis.call('HINCRBY', KEYS[1], 'gen', 1)
return redis.call('HINCRBY', KEYS[1], 'incident', 1)
`)

// connectScript stores a new connection: a manager's (ARGV[1] "ui") or the
// configuration's refresh token (ARGV[1] "config", only when its seed
// ARGV[8] differs from the one stored). It ends any failure.
// KEYS[1] record; ARGV[2] refresh, ARGV[3] access or ”, ARGV[4] expiry ms,
// ARGV[5] lifetime ms, ARGV[6] by, ARGV[7] now ms, ARGV[8] config seed.
// Returns {new gen, 1 if it ended a failure}, or {0, 0} when the
// configuration's token was stored before.
var connectScript = redis.NewScript(`
if ARGV[1] == 'config' and redis.call('HGET', KEYS[1], 'config_seed') == ARGV[8] then return {0, 0} end
local was = redis.call('HGET', KEYS[1], 'failed') or ''
redis.call('HDEL', KEYS[1], 'failed', 'failed_at', 'refused', 'refused_at', 'access')
redis.call('HSET', KEYS[1], 'refresh', ARGV[2], 'expiry', ARGV[4], 'lifetime', ARGV[5],
  'source', ARGV[1], 'by', ARGV[6], 'connected_at', ARGV[7], 'refreshed_at', ARGV[7])
if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'access', ARGV[3]) end
if ARGV[1] == 'config' then redis.call('HSET', KEYS[1], 'config_seed', ARGV[8]) end
local gen = redis.call('HINCRBY', KEYS[1], 'gen', 1)
if was ~= '' then return {gen, 1} end
return {gen, 0}
`)

// refuseScript records that the mail server refused an access token, and
// expires the token if it is still the current one, so that the next sign-in
// refreshes it. KEYS[1] record; ARGV[1] gen of the token, ARGV[2] the
// server's answer, ARGV[3] now ms.
var refuseScript = redis.NewScript(`
redis.call('HSET', KEYS[1], 'refused', ARGV[2], 'refused_at', ARGV[3])
if tostring(redis.call('HGET', KEYS[1], 'gen') or '0') == ARGV[1] then
  redis.call('HSET', KEYS[1], 'expiry', 0)
  return 1
end
return 0
`)

// resealScript writes the sealed values again, with the current key, if the
// record is still the generation they were read from. KEYS[1] record;
// ARGV[1] gen, ARGV[2] refresh, ARGV[3] access or ”.
var resealScript = redis.NewScript(`
if tostring(redis.call('HGET', KEYS[1], 'gen') or '0') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'refresh', ARGV[2])
if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'access', ARGV[3]) end
return 1
`)

// unlockScript deletes the refresh lock if this instance holds it.
var unlockScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`)

// lockTTL bounds how long an instance may hold the refresh lock: a refresh
// that takes longer (the HTTP client gives up at 30 s) loses it, and its
// result is not stored.
const lockTTL = 40 * time.Second

func (a *Account) lock(ctx context.Context, value string) (bool, error) {
	ok, err := a.rdb.SetNX(ctx, a.key+":lock", value, lockTTL).Result()
	if err != nil {
		return false, fault.Redis("take the OAuth2 refresh lock of "+a.Label, err)
	}
	return ok, nil
}

func (a *Account) unlock(ctx context.Context, value string) {
	_ = unlockScript.Run(context.WithoutCancel(ctx), a.rdb, []string{a.key + ":lock"}, value).Err() // it runs out anyway
}

// reseal seals what a previous key sealed again with the current key; an
// error of ErrUnknownKey means neither secrets.key nor a previous key sealed
// it.
func (a *Account) reseal(ctx context.Context, r record) error {
	if !r.connected() {
		return nil
	}
	refresh, staleR, err := a.open("refresh", r.refresh)
	if err != nil {
		return err
	}
	access, staleA := "", false
	if r.access != "" {
		access, staleA, err = a.open("access", r.access)
		if errors.Is(err, secrets.ErrUnknownKey) {
			return err
		}
		if err != nil {
			access, staleA = "", false // unreadable: the next sign-in refreshes it
		}
	}
	if !staleR && !staleA {
		return nil
	}
	sealedAccess := ""
	if access != "" {
		sealedAccess = a.seal("access", access)
	}
	err = resealScript.Run(ctx, a.rdb, []string{a.key}, r.gen, a.seal("refresh", refresh), sealedAccess).Err()
	if err != nil {
		return fault.Redis("seal the OAuth2 tokens of "+a.Label+" again", err)
	}
	return nil
}
