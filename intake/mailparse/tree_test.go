package mailparse

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"frontdesk/internal/corpora"

	"github.com/jhillyerd/enmime/v2"
)

// treeShape lists the parts of a tree in document order, one line each, with
// what readBody and classify read of them.
func treeShape(root *enmime.Part) []string {
	var out []string
	_ = root.DepthMatchAll(func(p *enmime.Part) bool {
		ctype, disp, name := p.ContentType, p.Disposition, p.FileName
		if p.Header.Get("Content-Type") == "" {
			// enmime leaves a part without Content-Type typeless and
			// reads no disposition; readTree reads it as a message.
			ctype, disp, name = "text/plain", "", ""
		}
		sum := sha256.Sum256(p.Content)
		out = append(out, fmt.Sprintf("%s %s boundary=%q disposition=%q name=%q cid=%q children=%v content=%d bytes %x",
			p.PartID, ctype, p.Boundary, disp, name, p.ContentID, p.FirstChild != nil, len(p.Content), sum[:8]))
		return false
	})
	return out
}

// TestTreeMatchesEnmime checks that readTree builds the tree enmime builds
// from the whole message, for the test mails, the shared corpora when they
// are there, and generated structures within the limits.
func TestTreeMatchesEnmime(t *testing.T) {
	mails := map[string][]byte{
		"nested 10 closed":   nestedMail(10, true),
		"nested 10 unclosed": nestedMail(10, false),
		"200 parts":          manyPartsMail(200),
	}
	patterns := []string{"testdata/*.eml"}
	if dir := corpora.Optional(t, "mime-php-mime-mail-parser"); dir != "" {
		patterns = append(patterns, filepath.Join(dir, "mails", "*"))
	}
	if dir := corpora.Optional(t, "bounces-sisimai"); dir != "" {
		patterns = append(patterns, filepath.Join(dir, "maildir", "*", "*.eml"))
	}
	var files []string
	for _, pattern := range patterns {
		f, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f...)
	}
	for _, name := range files {
		raw, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		mails[name] = raw
	}
	multipart := 0
	for name, raw := range mails {
		var w warnings
		raw = trimLeading(normalizeNewlines(raw, &w), &w)
		want, werr := parser.ReadParts(bytes.NewReader(raw))
		got, _, gerr := readParts(raw, &w)
		if (werr != nil) != (gerr != nil) {
			t.Errorf("%s: enmime error %v, readParts error %v", name, werr, gerr)
			continue
		}
		if werr != nil {
			continue
		}
		if got.FirstChild != nil {
			multipart++
		}
		ws, gs := treeShape(want), treeShape(got)
		if strings.Join(ws, "\n") != strings.Join(gs, "\n") {
			t.Errorf("%s: tree differs from enmime's\nenmime:\n  %s\nreadTree:\n  %s", name, strings.Join(ws, "\n  "), strings.Join(gs, "\n  "))
		}
	}
	t.Logf("%d mails, %d multipart", len(mails), multipart)
}
