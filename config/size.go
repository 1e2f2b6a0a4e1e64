package config

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// ByteSize is a number of bytes. In the configuration it is written as a
// plain integer (bytes) or a number with a unit: B, KB, MB, GB, TB (powers
// of 1000) or KiB, MiB, GiB, TiB (powers of 1024), e.g. "25MB", "10MiB",
// "1.5GB". Units are not case-sensitive and may follow a space.
type ByteSize int64

// Byte sizes in decimal and binary units.
const (
	KB ByteSize = 1000
	MB          = 1000 * KB
	GB          = 1000 * MB
	TB          = 1000 * GB

	KiB ByteSize = 1024
	MiB          = 1024 * KiB
	GiB          = 1024 * MiB
	TiB          = 1024 * GiB
)

var byteUnits = []struct {
	name string
	size ByteSize
}{
	// Longest names first, so that "KiB" is not read as "B".
	{"KiB", KiB}, {"MiB", MiB}, {"GiB", GiB}, {"TiB", TiB},
	{"KB", KB}, {"MB", MB}, {"GB", GB}, {"TB", TB},
	{"B", 1},
}

// ParseByteSize parses a size such as "25MB", "10MiB" or "4096".
func ParseByteSize(s string) (ByteSize, error) {
	bad := fmt.Errorf("invalid size %q", s)
	t := strings.TrimSpace(s)
	unit := ByteSize(1)
	for _, u := range byteUnits {
		if len(t) >= len(u.name) && strings.EqualFold(t[len(t)-len(u.name):], u.name) {
			unit = u.size
			t = strings.TrimSpace(t[:len(t)-len(u.name)])
			break
		}
	}
	if t == "" || t[0] == '+' || t[0] == '-' {
		return 0, bad
	}
	if n, err := strconv.ParseInt(t, 10, 64); err == nil {
		if n > math.MaxInt64/int64(unit) {
			return 0, bad
		}
		return ByteSize(n) * unit, nil
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) || strings.ContainsAny(t, "eExXpP_") {
		return 0, bad
	}
	v := math.Round(f * float64(unit))
	if v >= math.MaxInt64 {
		return 0, bad
	}
	return ByteSize(v), nil
}

// String formats the size in the largest unit that divides it exactly,
// decimal before binary: "25MB", "10MiB", "512KB", "1234B".
func (b ByteSize) String() string {
	if b != 0 {
		for _, u := range []struct {
			name string
			size ByteSize
		}{{"TB", TB}, {"TiB", TiB}, {"GB", GB}, {"GiB", GiB}, {"MB", MB}, {"MiB", MiB}, {"KB", KB}, {"KiB", KiB}} {
			if b%u.size == 0 {
				return strconv.FormatInt(int64(b/u.size), 10) + u.name
			}
		}
	}
	return strconv.FormatInt(int64(b), 10) + "B"
}

// MarshalText writes the size as String does.
func (b ByteSize) MarshalText() ([]byte, error) {
	return []byte(b.String()), nil
}

// UnmarshalText parses the size as ParseByteSize does.
func (b *ByteSize) UnmarshalText(text []byte) error {
	v, err := ParseByteSize(string(text))
	if err != nil {
		return err
	}
	*b = v
	return nil
}
