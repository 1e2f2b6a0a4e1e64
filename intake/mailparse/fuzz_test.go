package mailparse

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse checks that Parse never panics and that whatever it returns
// renders as inspect JSON.
func FuzzParse(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.eml"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		raw, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Add([]byte("From: a@b\r\n\r\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := Parse(raw, &Options{FaxSenders: []string{"*@fax.example"}})
		if err != nil {
			return
		}
		if _, err := m.InspectJSON(); err != nil {
			t.Fatalf("InspectJSON: %v", err)
		}
		if _, err := ParseHeader(raw, int64(len(raw)), nil); err == nil {
			return
		}
	})
}
