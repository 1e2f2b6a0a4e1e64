package ticket

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
)

// MessageIDSigner makes and reads the Message-IDs of frontdesk's outbound mail.
// Each carries the ticket's id and an HMAC over it, so that a customer's reply
// threads to the right ticket from its In-Reply-To or References alone, even
// when the threading index does not know the id, and a forged id is ignored.
//
// The form is <fd.TICKET.NONCE.MAC@HOST> (RFC 5322 §3.6.4 msg-id), MAC being
// the first 16 bytes of HMAC-SHA256(key, "TICKET.NONCE") in hex.
type MessageIDSigner struct {
	Key []byte // the deployment's secret (Store.Secret)
}

// New returns a fresh Message-ID for a message on ticket ticketID, with host as
// its right-hand side.
func (s MessageIDSigner) New(ticketID, host string) string {
	nonce := make([]byte, 8)
	_, _ = rand.Read(nonce)
	return s.sign(ticketID, hex.EncodeToString(nonce), host)
}

func (s MessageIDSigner) sign(ticketID, nonce, host string) string {
	return fmt.Sprintf("<fd.%s.%s.%s@%s>", ticketID, nonce, s.mac(ticketID, nonce), host)
}

func (s MessageIDSigner) mac(ticketID, nonce string) string {
	h := hmac.New(sha256.New, s.Key)
	h.Write([]byte(ticketID + "." + nonce))
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// TicketOf returns the ticket id a Message-ID made by New names, and whether it
// is one of ours with a valid signature.
func (s MessageIDSigner) TicketOf(messageID string) (string, bool) {
	id := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(messageID), "<"), ">")
	local, _, ok := strings.Cut(id, "@")
	if !ok || len(s.Key) == 0 {
		return "", false
	}
	parts := strings.Split(local, ".")
	if len(parts) != 4 || parts[0] != "fd" || parts[1] == "" {
		return "", false
	}
	for _, r := range parts[1] {
		if r < '0' || r > '9' {
			return "", false
		}
	}
	want := s.mac(parts[1], parts[2])
	if !hmac.Equal([]byte(want), []byte(parts[3])) {
		return "", false
	}
	return parts[1], true
}

// ValidMessageID reports whether id is a msg-id (RFC 5322 §3.6.4) that can go
// into a header as it is: "<left@right>", both sides non-empty, printable
// US-ASCII without spaces or angle brackets inside, at most 250 characters. A
// customer's mailer that writes anything else ("noat", no brackets, UTF-8)
// gets its id dropped at intake and never repeated in In-Reply-To or
// References, which a mail server would refuse.
func ValidMessageID(id string) bool {
	if len(id) < 5 || len(id) > 250 || id[0] != '<' || id[len(id)-1] != '>' {
		return false
	}
	inner := id[1 : len(id)-1]
	at := strings.LastIndexByte(inner, '@')
	if at <= 0 || at == len(inner)-1 {
		return false
	}
	for i := 0; i < len(inner); i++ {
		if c := inner[i]; c <= ' ' || c > '~' || c == '<' || c == '>' {
			return false
		}
	}
	return true
}
