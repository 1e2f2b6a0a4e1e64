package accounts

import (
	"context"
	"fmt"
	"net/netip"
	"strconv"
	"time"

	"frontdesk/fault"
)

// ErrAddressLocked: too many failed logins from one client address lately;
// no password from there is checked until the lock window has passed.
// errors.Is(ErrAddressLocked, ErrLocked) holds.
var ErrAddressLocked error = addressLockedError{}

type addressLockedError struct{}

func (addressLockedError) Error() string {
	return "too many failed logins from this address; try again later"
}
func (addressLockedError) Is(target error) bool { return target == ErrLocked }

func (s *Store) failuresKey(name string) string { return s.base + "failures:" + name }
func (s *Store) clientKey(client netip.Addr) string {
	return s.base + "client:" + clientBucket(client)
}

// clientBucket is what the brake counts a client address under: an IPv4
// address as it is, an IPv6 address by its /64 (what one subscriber or host
// is given: counting single IPv6 addresses would give an attacker 2^64
// tries), and "unknown" for the zero Addr, so that callers that know no
// address share one count rather than escape the brake.
func clientBucket(a netip.Addr) string {
	a = a.Unmap()
	switch {
	case !a.IsValid():
		return "unknown"
	case a.Is4():
		return a.String()
	}
	return netip.PrefixFrom(a.WithZone(""), 64).Masked().String()
}

// brakeCount is one password attempt as the brakes counted it.
type brakeCount struct {
	s    *Store
	keys []string // the client's count, then the name's if it was counted
}

// attempt counts a password attempt for name (against the name's count only
// when counted is true: a name no user can have makes no key) from client.
// It is ErrLocked or ErrAddressLocked when a brake holds.
func (s *Store) attempt(ctx context.Context, name string, counted bool, client netip.Addr) (brakeCount, error) {
	b := brakeCount{s: s, keys: []string{s.clientKey(client)}}
	if counted {
		b.keys = append(b.keys, s.failuresKey(name))
	}
	window := strconv.FormatInt(s.window.Milliseconds(), 10)
	v, err := attemptScript.Run(ctx, s.rdb, b.keys, window, s.maxClientAttempts).Int64Slice()
	switch {
	case err != nil:
		return b, fault.Redis("count the attempt", err)
	case len(v) != 2:
		return b, fmt.Errorf("count the attempt: unexpected reply %v", v)
	case v[0] < 0:
		return b, ErrAddressLocked
	case v[0] > s.maxAttempts:
		return b, ErrLocked
	}
	return b, nil
}

// settle takes the attempt back from the counts: right says the password
// was right (the name's count is cleared), else nothing was checked. It runs
// also when ctx has ended (a request that gave up waiting for its turn). A
// failure to take back an attempt that checked nothing need not be reported:
// it only leaves the attempt counted.
func (b brakeCount) settle(ctx context.Context, right bool) error {
	how := "unchecked"
	if right {
		how = "right"
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), settleTimeout)
	defer cancel()
	return settleScript.Run(ctx, b.s.rdb, b.keys, how).Err()
}

// settleTimeout bounds settle, which does not end with its request.
const settleTimeout = 5 * time.Second
