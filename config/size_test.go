package config

import "testing"

func TestParseByteSize(t *testing.T) {
	tests := []struct {
		in   string
		want ByteSize
		ok   bool
	}{
		{"0", 0, true},
		{"4096", 4096, true},
		{"25MB", 25_000_000, true},
		{"25mb", 25_000_000, true},
		{"25 MB", 25_000_000, true},
		{"10MiB", 10 * 1024 * 1024, true},
		{"512KB", 512_000, true},
		{"512KiB", 512 * 1024, true},
		{"1GB", 1_000_000_000, true},
		{"2GiB", 2 << 30, true},
		{"3TB", 3_000_000_000_000, true},
		{"100B", 100, true},
		{"1.5MB", 1_500_000, true},
		{"0.5KiB", 512, true},
		{"", 0, false},
		{"MB", 0, false},
		{"-1", 0, false},
		{"-1MB", 0, false},
		{"+1MB", 0, false},
		{"12XB", 0, false},
		{"1e3", 0, false},
		{"1_000", 0, false},
		{"inf", 0, false},
		{"NaN MB", 0, false},
		{"10000000TiB", 0, false},
		{"9223372036854775807", 9223372036854775807, true},
		{"9223372036854775808", 0, false},
	}
	for _, tt := range tests {
		got, err := ParseByteSize(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseByteSize(%q) = %d, %v; want %d, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestByteSizeString(t *testing.T) {
	tests := []struct {
		in   ByteSize
		want string
	}{
		{0, "0B"},
		{1234, "1234B"},
		{25 * MB, "25MB"},
		{10 * MiB, "10MiB"},
		{512 * KB, "512KB"},
		{1024 * KB, "1024KB"},
		{GiB, "1GiB"},
		{1500 * MB, "1500MB"},
	}
	for _, tt := range tests {
		if got := tt.in.String(); got != tt.want {
			t.Errorf("ByteSize(%d).String() = %q, want %q", int64(tt.in), got, tt.want)
		}
		back, err := ParseByteSize(tt.in.String())
		if err != nil || back != tt.in {
			t.Errorf("ParseByteSize(%q) = %d, %v; want %d", tt.in.String(), back, err, tt.in)
		}
	}
}
