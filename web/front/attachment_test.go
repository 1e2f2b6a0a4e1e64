package front

import "testing"

func TestEncodeRFC5987(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"a b.pdf", "a%20b.pdf"},
		{"naïve;x=\r\n.txt", "na%C3%AFve%3Bx%3D%0D%0A.txt"},
		{"100%.txt", "100%25.txt"},
	} {
		if got := EncodeRFC5987(tt.in); got != tt.want {
			t.Errorf("EncodeRFC5987(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
