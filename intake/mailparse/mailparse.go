// Package mailparse reads one RFC 5322 message the way frontdesk's email intake
// sees it: the threading headers (RFC 5322 §3.6.4), the addresses, a plain text
// body, a sanitized HTML body whose remote images are marked but not loaded, the
// attachments and inline parts, and a classification: a normal mail, an
// automatic reply (RFC 3834) or a bounce (RFC 3464 delivery status
// notifications and their non-standard cousins), with list and fax flags.
//
// The MIME structure is found here in one pass (readTree), within the limits
// MaxDepth and MaxParts, and enmime reads each part; enmime's charset
// detection is switched off (it costs most of the parse time) and the
// declared charsets are applied here instead, guessing only where a part
// declares none or its bytes do not fit the declared one. Whatever was
// malformed and how it was read anyway, and what a limit left out, is
// reported in Mail.Warnings: a malformed message still parses.
package mailparse

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jhillyerd/enmime/v2"

	"frontdesk/calendar"
)

// Options adjusts parsing. A nil *Options is equivalent to a zero Options.
type Options struct {
	// FaxSenders are case-insensitive glob patterns (path.Match syntax) on
	// the From address, like "*@fax.example.net"; a match sets Mail.Fax.
	FaxSenders []string
	// MaxSize is the size cap the caller (the IMAP poller) enforces, for
	// information only: Parse never truncates. ParseHeader names it in its
	// warning when set. 0 means no cap.
	MaxSize int64
}

// Address is one mailbox of an address header.
type Address struct {
	Name    string `json:"name"`
	Address string `json:"address"`
}

// String formats a as "Name <address>", or just the address without a name.
func (a Address) String() string {
	if a.Name == "" {
		return a.Address
	}
	return fmt.Sprintf("%s <%s>", a.Name, a.Address)
}

// Attachment is a MIME part that is not part of the message body: a file, an
// inline image, a calendar invitation, an embedded message.
type Attachment struct {
	Filename    string `json:"filename"` // "" when the part names none
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"` // decoded size in bytes
	Inline      bool   `json:"inline"`
	ContentID   string `json:"content_id"` // without angle brackets
	Data        []byte `json:"-"`
}

// Kinds of mail.
const (
	KindNormal    = "normal"
	KindAutoReply = "auto_reply"
	KindBounce    = "bounce"

	// Outcomes of a delivery report (Mail.BounceOutcome).
	DeliveryFailed    = "failed"
	DeliveryDelivered = "delivered"
	DeliveryDelayed   = "delayed"
)

// Mail is what intake makes of one message.
type Mail struct {
	MessageID  string   // with angle brackets, as in the header
	InReplyTo  string   // the first msg-id of In-Reply-To
	References []string // msg-ids of References, oldest first
	Subject    string
	Date       time.Time // zero when absent or unreadable

	From        Address
	To, Cc      []Address
	ReplyTo     []Address
	Text        string // plain text body; derived from HTML when there is no text part
	HTML        string // sanitized HTML body, see Sanitize
	Attachments []Attachment

	// Kind is KindNormal, KindAutoReply (RFC 3834 auto-replies, vacation
	// and out-of-office messages, RFC 8098 read receipts, Precedence
	// bulk/junk/auto_reply) or KindBounce (delivery reports about a message
	// sent from here: RFC 3464 DSNs, including delay and success reports,
	// non-standard MTA bounces, and RFC 5965 complaint reports).
	Kind string
	List bool // List-Id or List-Unsubscribe present (RFC 2919, RFC 2369)
	Fax  bool // From matches Options.FaxSenders

	// Warnings lists what was malformed and how it was read anyway.
	Warnings []string

	// BounceOf holds, for a bounce, the Message-IDs of the original message:
	// from the report's message/rfc822 or text/rfc822-headers part (RFC 3464
	// §2, RFC 6522), else from Message-ID lines in the body of non-standard
	// bounces, else from the bounce's own In-Reply-To and References.
	BounceOf []string
	// BounceReason is the failure as reported: the Status and
	// Diagnostic-Code of the first failed recipient (RFC 3464 §2.3.4, §2.3.6),
	// else the first line of the text carrying an SMTP reply code.
	BounceReason string
	// BounceOutcome is what a standard delivery report (RFC 3464 §2.3.3
	// Action) says of the message: DeliveryDelivered when every recipient
	// it names was delivered, relayed or expanded (a success report asked
	// for with NOTIFY=SUCCESS, RFC 3461), DeliveryDelayed when none failed
	// and one is delayed (the server still tries), else DeliveryFailed.
	BounceOutcome string

	// ReturnPath is the Return-Path header (RFC 5321 §4.4); "<>" is the null
	// reverse-path of notifications.
	ReturnPath string

	// AutoSubmitted is true for mail that must never get an automatic
	// acknowledgement (RFC 3834 §2): Kind auto_reply or bounce; List; a
	// Precedence of bulk, junk, list or auto_reply; or a null Return-Path
	// "<>" (RFC 5321 §4.5.5: notifications are not answered). Policies on
	// sender addresses such as noreply@ are not applied here: they belong
	// to the responders.
	AutoSubmitted bool

	// Invitation is the answer to an invitation the mail carries (an iTIP
	// REPLY or COUNTER in a text/calendar part, itip.go); nil for others.
	Invitation *calendar.Answer
}

// ErrNotMessage is returned for input that is not a message at all.
var ErrNotMessage = errors.New("not an RFC 5322 message")

// parser is enmime's parser as frontdesk uses it: charset detection off (it
// costs over 90% of parse time) and charsets left undecoded (see rawCharset),
// tolerant of broken parts.
var parser = enmime.NewParser(
	enmime.DisableCharacterDetection(true),
	enmime.SetCustomParseMediaType(parseMediaTypeRawCharset),
	enmime.SkipMalformedParts(true),
	enmime.SetReadPartErrorPolicy(keepCorruptBase64),
	enmime.MultipartWOBoundaryAsSinglePart(true),
	enmime.DisableTextConversion(true),
	enmime.MaxStoredPartErrors(maxPartErrors),
)

// maxPartErrors is how many problems are kept per MIME part.
const maxPartErrors = 20

// maxWarnings caps Mail.Warnings; a badly broken message could otherwise
// yield thousands.
const maxWarnings = 30

// Parse reads one message. It returns an error only for input that is not a
// message at all (empty, or without a single header field); a malformed
// message still parses, with Warnings. Parse does not panic.
func Parse(raw []byte, opts *Options) (m *Mail, err error) {
	if opts == nil {
		opts = &Options{}
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, fmt.Errorf("%w: empty input", ErrNotMessage)
	}
	var w warnings
	raw = normalizeNewlines(raw, &w)
	raw = trimLeading(raw, &w)
	root, _, err := readParts(raw, &w)
	if err != nil || root == nil {
		return parseFallback(raw, opts, &w, err)
	}
	if len(root.Header) == 0 {
		return nil, fmt.Errorf("%w: no header fields", ErrNotMessage)
	}
	m = &Mail{}
	readHeader(m, root.Header, &w)
	b := readBody(root, &w)
	m.Text, m.HTML, m.Attachments = b.text, b.html, b.attachments
	classify(m, root.Header, b)
	readInvitationAnswer(m, b)
	m.Fax = isFax(m.From.Address, opts.FaxSenders)
	collectPartErrors(root, &w)
	m.Warnings = w.list()
	return m, nil
}

// readParts reads the MIME structure of raw: a single part by enmime, a
// multipart by readTree.
func readParts(raw []byte, w *warnings) (*enmime.Part, treeStats, error) {
	head := headerEnd(raw)
	if !hasBoundaryParam(raw[:head]) {
		root, err := parser.ReadParts(bytes.NewReader(raw))
		return root, treeStats{enmimeBytes: len(raw)}, err
	}
	hp, err := parser.ReadParts(bytes.NewReader(raw[:head]))
	if err != nil || hp == nil || !isRootMultipart(hp) {
		root, err := parser.ReadParts(bytes.NewReader(raw))
		return root, treeStats{enmimeBytes: head + len(raw)}, err
	}
	root, stats := readTree(raw, head, hp, w)
	return root, stats, nil
}

// headerEnd returns where the header of raw ends, after the empty line that
// ends it, as enmime reads it; len(raw) when there is none.
func headerEnd(raw []byte) int {
	for pos := 0; pos < len(raw); {
		i := bytes.IndexByte(raw[pos:], '\n')
		if i < 0 {
			break
		}
		if isEmptyLine(raw[pos : pos+i+1]) {
			return pos + i + 1
		}
		pos += i + 1
	}
	return len(raw)
}

// parseFallback handles input enmime refused outright: the header is read on
// its own and the rest kept as plain text.
func parseFallback(raw []byte, opts *Options, w *warnings, perr error) (*Mail, error) {
	head, body := splitHeader(raw)
	var hw headerWarnings
	h, err := enmime.ReadHeader(bufio.NewReader(bytes.NewReader(head)), &hw)
	if err != nil || len(h) == 0 {
		return nil, fmt.Errorf("%w: %v", ErrNotMessage, perr)
	}
	w.add("could not read the MIME structure (%v); the body was read as plain text", perr)
	m := &Mail{}
	readHeader(m, h, w)
	m.Text, _ = decodeText(body, "", false, w)
	classify(m, h, &bodyParts{text: m.Text})
	m.Fax = isFax(m.From.Address, opts.FaxSenders)
	w.addAll(hw)
	m.Warnings = w.list()
	return m, nil
}

// ParseHeader reads only the header of a message too large to import: the
// poller passes the header block and the message's full size. Text is a note
// saying so, and a warning says it too.
func ParseHeader(header []byte, size int64, opts *Options) (*Mail, error) {
	if opts == nil {
		opts = &Options{}
	}
	if len(bytes.TrimSpace(header)) == 0 {
		return nil, fmt.Errorf("%w: empty header", ErrNotMessage)
	}
	var w warnings
	header = normalizeNewlines(header, &w)
	head, _ := splitHeader(header)
	var hw headerWarnings
	h, err := enmime.ReadHeader(bufio.NewReader(bytes.NewReader(head)), &hw)
	if err != nil && len(h) == 0 {
		return nil, fmt.Errorf("%w: %v", ErrNotMessage, err)
	}
	if len(h) == 0 {
		return nil, fmt.Errorf("%w: no header fields", ErrNotMessage)
	}
	m := &Mail{}
	readHeader(m, h, &w)
	m.Text = fmt.Sprintf("This message (%d bytes) exceeded the size limit; its body and attachments were not imported.", size)
	if opts.MaxSize > 0 {
		w.add("message of %d bytes exceeds the size limit of %d bytes; only its header was read", size, opts.MaxSize)
	} else {
		w.add("message of %d bytes exceeds the size limit; only its header was read", size)
	}
	classify(m, h, &bodyParts{})
	m.Fax = isFax(m.From.Address, opts.FaxSenders)
	w.addAll(hw)
	m.Warnings = w.list()
	return m, nil
}

// splitHeader splits a message at the first empty line. The header keeps its
// final line break and gains the empty line enmime needs to end it.
func splitHeader(raw []byte) (head, body []byte) {
	for _, sep := range []string{"\r\n\r\n", "\n\n"} {
		if i := bytes.Index(raw, []byte(sep)); i >= 0 {
			return raw[:i+len(sep)], raw[i+len(sep):]
		}
	}
	head = append(bytes.TrimRight(raw, "\r\n"), "\r\n\r\n"...)
	return head, nil
}

// normalizeNewlines turns the bare CR line ends of old Mac files into LF;
// enmime reads LF and CRLF but not CR alone.
func normalizeNewlines(raw []byte, w *warnings) []byte {
	if bytes.IndexByte(raw, '\n') >= 0 || bytes.IndexByte(raw, '\r') < 0 {
		return raw
	}
	w.add("lines end in a bare CR; read as LF")
	return bytes.ReplaceAll(raw, []byte{'\r'}, []byte{'\n'})
}

// keepCorruptBase64 keeps what decodes of a part with broken base64 (most
// often a truncated last line), as other mail readers do, instead of
// dropping the whole part.
func keepCorruptBase64(_ *enmime.Part, err error) bool {
	return enmime.IsBase64CorruptInputError(err)
}

// trimLeading drops what some tools put before the header: blank lines, and
// the "From " line of an mbox file.
func trimLeading(raw []byte, w *warnings) []byte {
	for len(raw) > 0 {
		line, rest, found := bytes.Cut(raw, []byte{'\n'})
		switch {
		case len(bytes.TrimSpace(line)) == 0 && found:
			w.add("blank line before the header; skipped")
		case bytes.HasPrefix(line, []byte("From ")):
			w.add("mbox \"From \" line before the header; skipped")
		default:
			return raw
		}
		raw = rest
	}
	return raw
}

// warnings collects Mail.Warnings without duplicates.
type warnings struct {
	seen  map[string]bool
	items []string
	extra int
}

func (w *warnings) add(format string, args ...any) {
	s := fmt.Sprintf(format, args...)
	if w.seen == nil {
		w.seen = make(map[string]bool)
	}
	if w.seen[s] {
		return
	}
	w.seen[s] = true
	if len(w.items) >= maxWarnings {
		w.extra++
		return
	}
	w.items = append(w.items, s)
}

func (w *warnings) addAll(hw headerWarnings) {
	for _, s := range hw {
		w.add("%s", s)
	}
}

func (w *warnings) list() []string {
	out := w.items
	if w.extra > 0 {
		out = append(out, fmt.Sprintf("%d more warnings left out", w.extra))
	}
	if out == nil {
		out = []string{}
	}
	return out
}

// headerWarnings is an enmime.ErrorCollector for enmime.ReadHeader.
type headerWarnings []string

var _ enmime.ErrorCollector = (*headerWarnings)(nil)

func (h *headerWarnings) AddError(name string, format string, args ...any) {
	*h = append(*h, describeEnmimeError(name, fmt.Sprintf(format, args...)))
}

func (h *headerWarnings) AddWarning(name string, format string, args ...any) {
	h.AddError(name, format, args...)
}

// collectPartErrors turns enmime's part errors into warnings.
func collectPartErrors(root *enmime.Part, w *warnings) {
	_ = root.DepthMatchAll(func(p *enmime.Part) bool {
		for _, e := range p.Errors {
			if e.Name == enmime.ErrorMissingContentType {
				// RFC 2045 §5.2: a part without Content-Type is
				// text/plain; us-ascii. Legal, not worth a warning.
				continue
			}
			if e.Name == enmime.ErrorCharsetConversion && strings.Contains(e.Detail, rawCharset) {
				continue // our own device, see rawCharset
			}
			w.add("%s", describeEnmimeError(e.Name, e.Detail))
		}
		return false
	})
}

// describeEnmimeError words one of enmime's errors for a person.
func describeEnmimeError(name, detail string) string {
	var what string
	switch name {
	case enmime.ErrorMalformedHeader:
		what = "malformed MIME header line"
	case enmime.ErrorMalformedBase64:
		what = "malformed base64 content"
	case enmime.ErrorMissingBoundary:
		what = "missing MIME boundary"
	case enmime.ErrorCharsetConversion:
		what = "charset conversion failed"
	case enmime.ErrorContentEncoding:
		what = "unknown Content-Transfer-Encoding, content kept as is"
	case enmime.ErrorMalformedChildPart:
		what = "malformed MIME part"
	case enmime.ErrorDataHasBoundary:
		what = "part with a boundary parameter read as data"
	case enmime.ErrorCharsetDeclaration:
		what = "charset declaration mismatch"
	default:
		what = strings.ToLower(name)
	}
	if detail == "" {
		return what
	}
	return what + ": " + detail
}
