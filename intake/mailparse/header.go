package mailparse

import (
	"errors"
	"mime"
	"net/mail"
	"net/textproto"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jhillyerd/enmime/v2"

	"frontdesk/ticket"
)

// readHeader fills the header fields of m.
func readHeader(m *Mail, h textproto.MIMEHeader, w *warnings) {
	// RFC 5322 §3.6.4: identification fields. An id without its angle
	// brackets gets them; one that is malformed even so ("noat", spaces,
	// UTF-8) is dropped: repeated in a reply's In-Reply-To or References, it
	// would make mail servers refuse every answer to the ticket.
	m.MessageID = firstMsgID(h.Get("Message-Id"))
	if !ticket.ValidMessageID(m.MessageID) {
		if m.MessageID != "" {
			w.add("the Message-ID %q is malformed; it is not used for threading", m.MessageID)
		}
		m.MessageID = ""
	}
	m.InReplyTo = firstMsgID(h.Get("In-Reply-To"))
	if !ticket.ValidMessageID(m.InReplyTo) {
		m.InReplyTo = ""
	}
	m.References = slices.DeleteFunc(msgIDs(h.Get("References")), func(id string) bool { return !ticket.ValidMessageID(id) })
	m.Subject = decodeHeader("Subject", h.Get("Subject"), w)
	m.Date = parseDate(h.Get("Date"), w)

	if from := addressList("From", h.Get("From"), w); len(from) > 0 {
		m.From = from[0]
	} else if sender := addressList("Sender", h.Get("Sender"), w); len(sender) > 0 {
		m.From = sender[0] // RFC 5322 §3.6.2
	}
	m.To = addressList("To", h.Get("To"), w)
	m.Cc = addressList("Cc", h.Get("Cc"), w)
	m.ReplyTo = addressList("Reply-To", h.Get("Reply-To"), w)
	m.ReturnPath = strings.TrimSpace(h.Get("Return-Path"))
}

// msgIDRE matches an RFC 5322 §3.6.4 msg-id, loosely.
var msgIDRE = regexp.MustCompile(`<[^<>\s]+>`)

// msgIDs returns the msg-ids of an identification field; a field without
// angle brackets is split at white space.
func msgIDs(v string) []string {
	v = strings.TrimSpace(v)
	if v == "" {
		return []string{}
	}
	ids := msgIDRE.FindAllString(v, -1)
	if len(ids) == 0 {
		for _, f := range strings.Fields(v) {
			ids = append(ids, "<"+strings.Trim(f, "<>")+">")
		}
	}
	return ids
}

func firstMsgID(v string) string {
	if ids := msgIDs(v); len(ids) > 0 {
		return ids[0]
	}
	return ""
}

// wordDecoder decodes RFC 2047 encoded words in every charset charsetDecoder knows.
var wordDecoder = &mime.WordDecoder{CharsetReader: charsetReader}

// decodeHeader decodes an unstructured header value: RFC 2047 encoded
// words, and raw 8-bit bytes (RFC 6532 allows UTF-8; anything else is read
// as windows-1252).
func decodeHeader(name, v string, w *warnings) string {
	if !utf8.ValidString(v) {
		v = string(decodeWindows1252([]byte(v)))
		w.add("header %s has raw 8-bit bytes that are not UTF-8; read as windows-1252", name)
	}
	if strings.Contains(v, "=?") {
		if d, err := wordDecoder.DecodeHeader(v); err == nil {
			v = d
		} else {
			v = enmime.DecodeRFC2047(v)
		}
	}
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' || r == '\t' {
			return ' '
		}
		return r
	}, v))
}

// looseAddrRE finds addresses in a header that does not parse.
var looseAddrRE = regexp.MustCompile(`[^\s<>,;:"()\[\]]+@[^\s<>,;:"()\[\]]+`)

// addressList reads an address header (RFC 5322 §3.4). A list that does not
// parse yields the addresses found in it, with a warning.
func addressList(name, v string, w *warnings) []Address {
	out := []Address{}
	if strings.TrimSpace(v) == "" {
		return out
	}
	if !utf8.ValidString(v) {
		v = string(decodeWindows1252([]byte(v)))
		w.add("header %s has raw 8-bit bytes that are not UTF-8; read as windows-1252", name)
	}
	list, err := enmime.ParseAddressList(v)
	if errors.Is(err, mail.ErrHeaderNotPresent) {
		return out // only commas and white space
	}
	if err != nil {
		for _, a := range looseAddrRE.FindAllString(v, -1) {
			out = append(out, Address{Address: strings.Trim(a, ".'")})
		}
		if len(out) > 0 {
			w.add("header %s is malformed (%v); took the addresses found in it", name, err)
		} else {
			w.add("header %s is malformed (%v); no address found in it", name, err)
		}
		return out
	}
	for _, a := range list {
		if a == nil {
			continue
		}
		name := strings.TrimSpace(a.Name)
		if strings.EqualFold(name, a.Address) {
			name = ""
		}
		out = append(out, Address{Name: name, Address: a.Address})
	}
	return out
}

// dateLayouts are forms of Date seen in the wild that net/mail refuses.
var dateLayouts = []string{
	"Mon, 2 Jan 2006 15:04:05 -0700 (MST)",
	"Mon, 2 Jan 2006 15:04:05 MST",
	"Mon, 2 Jan 06 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04 -0700",
	"2 Jan 2006 15:04:05 -0700",
	"Mon Jan 2 15:04:05 2006",
	"Mon Jan 2 15:04:05 MST 2006",
	"Mon, 2 Jan 2006 15:04:05",
	time.RFC3339,
}

// parseDate reads the Date field (RFC 5322 §3.3), leniently.
func parseDate(v string, w *warnings) time.Time {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}
	}
	if t, err := mail.ParseDate(v); err == nil {
		return t
	}
	s := strings.Join(strings.Fields(strings.ReplaceAll(v, ",", ", ")), " ")
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	w.add("unreadable Date %q; left empty", v)
	return time.Time{}
}
