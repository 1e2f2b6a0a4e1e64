package mailparse

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse checks that Parse never panics, that whatever it returns renders
// as inspect JSON, and that the MIME tree stays within the limits with the
// work bounded as TestLimitsBoundTheWork says.
func FuzzParse(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.eml"))
	if err != nil {
		f.Fatal(err)
	}
	itip, _ := filepath.Glob(filepath.Join("testdata", "itip", "*.eml")) // calendar answers (itip.go)
	files = append(files, itip...)
	for _, name := range files {
		raw, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Add([]byte("From: a@b\r\n\r\n"))
	f.Add(nestedMail(MaxDepth+2, false))
	f.Add(nestedMail(4, true))
	f.Add(manyPartsMail(3))
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := Parse(raw, &Options{FaxSenders: []string{"*@fax.example"}})
		if err != nil {
			return
		}
		if _, err := m.InspectJSON(); err != nil {
			t.Fatalf("InspectJSON: %v", err)
		}
		var w warnings
		_, stats, err := readParts(raw, &w)
		if err == nil && (stats.depth > MaxDepth || stats.parts > MaxParts || stats.enmimeBytes > 2*len(raw)) {
			t.Fatalf("read %d levels and %d parts, enmime given %d bytes of %d", stats.depth, stats.parts, stats.enmimeBytes, len(raw))
		}
		if _, err := ParseHeader(raw, int64(len(raw)), nil); err == nil {
			return
		}
	})
}
