package ticket

import (
	"strings"
	"testing"
)

func TestMessageIDSigner(t *testing.T) {
	s := MessageIDSigner{Key: []byte("0123456789abcdef0123456789abcdef")}
	id := s.New("1042", "desk.example.com")
	if !strings.HasPrefix(id, "<fd.1042.") || !strings.HasSuffix(id, "@desk.example.com>") {
		t.Fatalf("id = %s", id)
	}
	if other := s.New("1042", "desk.example.com"); other == id {
		t.Fatal("two ids for one ticket are equal")
	}
	if got, ok := s.TicketOf(id); !ok || got != "1042" {
		t.Fatalf("TicketOf(%s) = %q, %v", id, got, ok)
	}
	if got, ok := s.TicketOf(strings.Trim(id, "<>")); !ok || got != "1042" {
		t.Fatalf("without brackets: %q, %v", got, ok)
	}
	forged := strings.Replace(id, "fd.1042.", "fd.1043.", 1)
	otherKey := MessageIDSigner{Key: []byte("another key")}
	for _, bad := range []string{forged, "<abc@example.org>", "<fd.1042.x@h>", "<fd..a.b@h>", "", "<fd.10a2.n.m@h>"} {
		if got, ok := s.TicketOf(bad); ok {
			t.Errorf("TicketOf(%q) = %q, true; want false", bad, got)
		}
	}
	if _, ok := otherKey.TicketOf(id); ok {
		t.Error("an id verified under another key")
	}
}

func TestValidMessageID(t *testing.T) {
	for id, want := range map[string]bool{
		"<abc@example.org>": true, "<fd.1042.ab.cd@desk.example.com>": true, `<"quoted"@x>`: true,
		"abc@example.org": false, "<noat>": false, "noat": false, "<@x>": false, "<a@>": false,
		"<jörg@example.org>": false, "<a b@x>": false, "<a<b@x>": false, "": false, "<>": false,
	} {
		if got := ValidMessageID(id); got != want {
			t.Errorf("ValidMessageID(%q) = %v, want %v", id, got, want)
		}
	}
}
