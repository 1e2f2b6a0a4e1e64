package mailparse

import (
	"strings"
	"testing"
)

// Sanitizing twice is sanitizing once: HTML as intake stores it keeps its
// remote images marked when the UI sanitizes it again, so "Show remote
// images" still has something to show.
func TestSanitizeIsIdempotent(t *testing.T) {
	for _, in := range []string{
		`<p>Hi <img src="https://tracker.example/p.gif" alt="x"> <img src="cid:logo@x"> <img src="//cdn.example/a.png"></p>`,
		`<img src="http://a.example/b.png" srcset="http://a.example/c.png 2x" onerror="alert(1)">`,
		`<img data-remote-src="javascript:alert(1)"><img data-remote-src="https://ok.example/x.png">`,
		`<a href="https://example.org">link</a><script>alert(1)</script>`,
	} {
		once := Sanitize(in)
		if twice := Sanitize(once); twice != once {
			t.Errorf("Sanitize is not idempotent on %q:\nonce:  %s\ntwice: %s", in, once, twice)
		}
	}
	stored := Sanitize(`<p><img src="https://tracker.example/p.gif" alt="logo"></p>`)
	shown := Sanitize(stored)
	if !strings.Contains(shown, `data-remote-src="https://tracker.example/p.gif"`) || strings.Contains(shown, " src=") {
		t.Fatalf("stored HTML shown again = %s, want the remote image kept back and marked", shown)
	}
	if got := Sanitize(`<img data-remote-src="javascript:alert(1)">`); strings.Contains(got, "javascript") {
		t.Fatalf("a forged mark survived: %s", got)
	}
}
