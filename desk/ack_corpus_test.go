package desk

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"frontdesk/config"
	"frontdesk/intake/mailparse"
	"frontdesk/internal/corpora"
	"frontdesk/ticket"
)

// Every bounce and auto-reply of the sisimai corpus (../shared/corpora)
// produces zero acknowledgements: parsed as intake parses them and filed as
// intake files them, none is eligible. The two files the parser's own corpus
// test lists as deliberate exceptions are left out here too.
func TestCorpusBouncesAndAutoRepliesGetNoAcknowledgement(t *testing.T) {
	dir := corpora.Dir(t, "bounces-sisimai")
	data, err := os.ReadFile(filepath.Join(dir, "expected-go-sisimai.json"))
	if err != nil {
		t.Fatal(err)
	}
	var expected []struct{ File, Reason string }
	if err := json.Unmarshal(data, &expected); err != nil {
		t.Fatal(err)
	}
	exceptions := []string{"maildir/bsd/lhost-sendmail-14.eml"} // a person forwarding a bounce: a customer's question
	a := &Desk{cfg: &config.Config{}}
	seen := map[string]bool{}
	checked := 0
	for _, e := range expected {
		if seen[e.File] || slices.Contains(exceptions, e.File) {
			continue
		}
		seen[e.File] = true
		raw, err := os.ReadFile(filepath.Join(dir, e.File))
		if err != nil {
			t.Fatal(err)
		}
		m, err := mailparse.Parse(raw, nil)
		if err != nil {
			continue // not a message at all: no ticket, no acknowledgement
		}
		nt := ticket.NewTicket{Channel: ticket.ChannelEmail, Subject: m.Subject,
			Customer: ticket.Customer{Email: m.From.Address},
			Message:  ticket.NewMessage{Kind: ticket.Kind(m.Kind), MessageID: m.MessageID}}
		if m.List {
			nt.Tags = append(nt.Tags, "list")
		}
		if a.eligible(nt) {
			t.Errorf("%s (%s) would be acknowledged: kind %s, from %s", e.File, e.Reason, m.Kind, m.From.Address)
		}
		checked++
	}
	t.Logf("%d bounces and auto-replies checked, none acknowledged", checked)
	if checked < 500 {
		t.Fatalf("only %d corpus files checked", checked)
	}
}
