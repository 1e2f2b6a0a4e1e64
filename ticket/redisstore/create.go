package redisstore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	netmail "net/mail"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"frontdesk/fault"
	"frontdesk/ticket"
)

// Create stores a new ticket with its first message, once per source key.
//
// It takes at most two steps: (1) write the attachments' bytes, if any, under
// ids derived from the source key and the bytes; (2) one script that, unless the
// source key is already known, allocates the ticket id and writes the ticket,
// message, customer, indexes and queue entry at once. A crash after (1) leaves
// only unreferenced bytes that a retry writes again under the same keys; a crash
// after (2) leaves the whole ticket, which a retry finds by its source key.
func (s *Store) Create(ctx context.Context, nt ticket.NewTicket) (ticket.Receipt, error) {
	if err := validateNewTicket(nt); err != nil {
		return ticket.Receipt{}, err
	}
	now := s.now()
	nm := nt.Message
	msgJSON, atts, metas, err := s.prepareMessage(nm, nt.Channel, ticket.DirectionIn, now)
	if err != nil {
		return ticket.Receipt{}, err
	}
	priority := nt.Priority
	if priority == "" {
		priority = ticket.PriorityNormal
	}
	tags, _ := json.Marshal(nonNil(nt.Tags))
	frd := ""
	if !nt.FirstResponseDue.IsZero() {
		frd = ms(nt.FirstResponseDue)
	}
	by := nm.By
	if by == "" {
		by = "intake"
	}
	kind := nm.Kind
	if kind == "" {
		kind = ticket.KindNormal
	}
	status := ticket.StatusNew
	switch {
	case nt.Closed:
		status = ticket.StatusClosed
	case nt.Assignee != "":
		status = ticket.StatusOpen
	}
	tJSON, _ := json.Marshal(map[string]string{
		"channel": string(nt.Channel), "queue": nt.Queue, "priority": string(priority),
		"subject": nt.Subject, "tags": string(tags), "frd": frd, "by": by, "kind": string(kind),
		"thread": nt.ThreadKey, "thread_ttl": strconv.FormatInt(nt.ThreadTTL.Milliseconds(), 10),
		"assignee": nt.Assignee, "status": string(status), "route": nt.RouteNote,
		"mailbox": nt.Mailbox, "what": messageEvent(nm, ticket.DirectionIn),
	})
	c := nt.Customer
	cJSON, _ := json.Marshal(map[string]string{
		"name": c.Name, "email": strings.ToLower(strings.TrimSpace(c.Email)), "phone": strings.TrimSpace(c.Phone),
	})
	res, err := s.commit(ctx, s.scripts.create, atts, []string{s.key("sources")},
		s.base, nm.SourceKey, ms(now), rfc(now), tJSON, msgJSON, cJSON,
		normalizeMessageID(nm.MessageID), metas, messageTerms(nm, nt.Subject, c.Name))
	if err != nil {
		return ticket.Receipt{}, wrap("create ticket for "+nm.SourceKey, err)
	}
	if err := s.step("done"); err != nil {
		return ticket.Receipt{}, err
	}
	return receipt(res), nil
}

// AppendMessage adds a message to an existing ticket, once per source key, in
// the same two steps as Create. A message without a channel takes the ticket's,
// which costs one more round trip.
func (s *Store) AppendMessage(ctx context.Context, ticketID string, nm ticket.NewMessage) (ticket.Receipt, error) {
	if err := validID(ticketID); err != nil {
		return ticket.Receipt{}, err
	}
	if err := validateMessage(nm); err != nil {
		return ticket.Receipt{}, err
	}
	if nm.Channel == "" {
		ch, err := s.rdb.HGet(ctx, s.ticketKey(ticketID), "channel").Result()
		if errors.Is(err, redis.Nil) {
			return ticket.Receipt{}, fmt.Errorf("append message %s: ticket %s: %w", nm.SourceKey, ticketID, fault.ErrNotFound)
		}
		if err != nil {
			return ticket.Receipt{}, wrap("append message "+nm.SourceKey, err)
		}
		nm.Channel = ticket.Channel(ch)
	}
	now := s.now()
	dir := nm.Direction
	if dir == "" {
		dir = ticket.DirectionIn
	}
	msgJSON, atts, metas, err := s.prepareMessage(nm, nm.Channel, dir, now)
	if err != nil {
		return ticket.Receipt{}, err
	}
	by := nm.By
	if by == "" {
		by = "intake"
	}
	inv, err := invitationArg(nm, by)
	if err != nil {
		return ticket.Receipt{}, err
	}
	mentions := ""
	if len(nm.Mentions) > 0 {
		b, _ := json.Marshal(nm.Mentions)
		mentions = string(b)
	}
	res, err := s.commit(ctx, s.scripts.append, atts, []string{s.key("sources")},
		s.base, nm.SourceKey, ms(now), rfc(now), ticketID, msgJSON, string(dir),
		normalizeMessageID(nm.MessageID), metas, by, string(nm.Kind), senderEmail(nm.From), senderPhone(nm.From),
		string(nm.Delivery), messageEvent(nm, dir), mentions, forwardedTo(nm), messageTerms(nm), businessAge(nm), inv)
	if err != nil {
		return ticket.Receipt{}, wrap(fmt.Sprintf("append message %s to ticket %s", nm.SourceKey, ticketID), err)
	}
	return receipt(res), nil
}

// messageEvent is the timeline's word for a message arriving on a ticket, in
// the words of the ticket page: "mail from ann@example.org", "reply to
// ann@example.org", "note". It names no internal id.
func messageEvent(nm ticket.NewMessage, dir ticket.Direction) string {
	if nm.Direction != "" {
		dir = nm.Direction
	}
	first := func(list []string) string {
		if len(list) == 0 {
			return ""
		}
		return list[0]
	}
	kind := map[ticket.Kind]string{
		ticket.KindVoicemail: "voicemail", ticket.KindMissedCall: "missed call", ticket.KindSMS: "text",
		ticket.KindFax: "fax", ticket.KindBounce: "bounce", ticket.KindAutoReply: "automatic reply",
	}[nm.Kind]
	switch dir {
	case ticket.DirectionInternal:
		if len(nm.Mentions) > 0 {
			return "note mentioning " + strings.Join(nm.Mentions, ", ")
		}
		return "note"
	case ticket.DirectionOut:
		switch nm.Kind {
		case ticket.KindAutoReply:
			return "acknowledgement to " + first(nm.To)
		case ticket.KindForward:
			return "forward to " + strings.Join(nm.To, ", ")
		}
		return strings.TrimSpace("reply to " + first(nm.To))
	}
	if kind == "" {
		kind = "mail"
		if nm.Channel != "" && nm.Channel != ticket.ChannelEmail {
			kind = "message"
		}
	}
	if from := senderEmail(nm.From); from != "" {
		return kind + " from " + from
	}
	if nm.From != "" {
		return kind + " from " + nm.From
	}
	return kind
}

// forwardedTo is the JSON list of the lower-cased addresses a forward goes
// to, for the append script to remember; "[]" for any other message.
func forwardedTo(nm ticket.NewMessage) string {
	list := []string{}
	if nm.Kind == ticket.KindForward && nm.Direction == ticket.DirectionOut {
		for _, to := range append(append(append([]string{}, nm.To...), nm.Cc...), nm.Bcc...) {
			if a := senderEmail(to); a != "" {
				list = append(list, a)
			}
		}
	}
	b, _ := json.Marshal(list)
	return string(b)
}

func receipt(res []string) ticket.Receipt {
	if len(res) != 3 {
		return ticket.Receipt{}
	}
	return ticket.Receipt{TicketID: res[0], MessageID: res[1], Created: res[2] == "1"}
}

// blob is an attachment's bytes on their way to Redis.
type blob struct {
	id   string
	data []byte
}

// prepareMessage encodes a message for the create and append scripts: its JSON
// with an empty id for the script to fill in, the attachment bytes to write
// first, and the attachments' metadata as the script's JSON argument.
func (s *Store) prepareMessage(nm ticket.NewMessage, channel ticket.Channel, dir ticket.Direction, now time.Time) (msgJSON []byte, blobs []blob, metas string, err error) {
	at := nm.At
	if at.IsZero() {
		at = now
	}
	if nm.Channel != "" {
		channel = nm.Channel
	}
	kind := nm.Kind
	if kind == "" {
		kind = ticket.KindNormal
	}
	m := ticket.Message{
		Direction: dir, Channel: channel, Kind: kind, From: nm.From,
		To: nonNil(nm.To), Cc: nonNil(nm.Cc), Bcc: nm.Bcc, Subject: nm.Subject, Text: nm.Text, HTML: nm.HTML,
		MessageID: normalizeMessageID(nm.MessageID), InReplyTo: normalizeMessageID(nm.InReplyTo),
		References: nm.References, Meta: nm.Meta, Warnings: nm.Warnings, Delivery: nm.Delivery,
		Attachments: []ticket.Attachment{}, Author: nm.Author, CreatedAt: at.UTC(),
	}
	type meta struct {
		ID   string `json:"id"`
		Meta string `json:"meta"`
	}
	metaList := []meta{}
	for i, a := range nm.Attachments {
		att := ticket.Attachment{
			ID: attachmentID(nm.SourceKey, i, a.Data), Filename: a.Filename, ContentType: a.ContentType,
			Size: int64(len(a.Data)), Inline: a.Inline, ContentID: a.ContentID,
		}
		if att.ContentType == "" {
			att.ContentType = "application/octet-stream"
		}
		if att.Size > s.maxAtt {
			att.Omitted = true
			m.Warnings = append(m.Warnings, fmt.Sprintf("attachment %q (%d bytes) not kept: larger than the %d-byte cap", a.Filename, att.Size, s.maxAtt))
		} else {
			blobs = append(blobs, blob{id: att.ID, data: a.Data})
		}
		m.Attachments = append(m.Attachments, att)
		b, _ := json.Marshal(att)
		metaList = append(metaList, meta{ID: att.ID, Meta: string(b)})
	}
	if len(nm.Raw) > 0 {
		raw := ticket.Attachment{
			ID: attachmentID(nm.SourceKey, -1, nm.Raw), Filename: "message.eml", ContentType: "message/rfc822",
			Size: int64(len(nm.Raw)),
		}
		if raw.Size > s.maxAtt {
			m.Warnings = append(m.Warnings, fmt.Sprintf("original message (%d bytes) not kept: larger than the %d-byte cap", raw.Size, s.maxAtt))
		} else {
			m.RawID = raw.ID
			blobs = append(blobs, blob{id: raw.ID, data: nm.Raw})
			b, _ := json.Marshal(raw)
			metaList = append(metaList, meta{ID: raw.ID, Meta: string(b)})
		}
	}
	msgJSON, err = json.Marshal(m)
	if err != nil {
		return nil, nil, "", fmt.Errorf("encode message %s: %w", nm.SourceKey, err)
	}
	if !bytes.HasPrefix(msgJSON, []byte(`{"id":"",`)) {
		return nil, nil, "", fmt.Errorf("encode message %s: unexpected JSON layout", nm.SourceKey)
	}
	mb, _ := json.Marshal(metaList)
	return msgJSON, blobs, string(mb), nil
}

// commit writes a message's attachment bytes, then runs the script that makes
// them part of a ticket, and returns the script's receipt.
//
// On a single Redis (or behind Sentinel) both go in one MULTI/EXEC: one round
// trip, in order, all or nothing. On a cluster the bytes live in other slots,
// on other nodes, so they are written first as a step of their own; a crash
// between the steps leaves bytes no ticket references, and the retry writes
// the same keys again (they are content-addressed) before the script dedupes.
// The two-step path is also taken when a test injects faults between steps.
func (s *Store) commit(ctx context.Context, script *redis.Script, blobs []blob, keys []string, args ...any) ([]string, error) {
	_, cluster := s.rdb.(*redis.ClusterClient)
	if len(blobs) > 0 && !cluster && s.beforeStep == nil {
		var cmd *redis.Cmd
		_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
			for _, b := range blobs {
				p.Set(ctx, s.blobKey(b.id), b.data, 0)
			}
			cmd = script.EvalSha(ctx, p, keys, args...)
			return nil
		})
		if err == nil {
			return cmd.StringSlice()
		}
		if !redis.HasErrorPrefix(cmd.Err(), "NOSCRIPT") {
			return nil, err
		}
		// The script is not loaded yet (a new or restarted Redis): the bytes
		// are written; Run below loads the script and runs it.
	} else if len(blobs) > 0 {
		if err := s.step("blobs"); err != nil {
			return nil, err
		}
		_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, b := range blobs {
				p.Set(ctx, s.blobKey(b.id), b.data, 0)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("store attachments: %w", err)
		}
	}
	if err := s.step("commit"); err != nil {
		return nil, err
	}
	return script.Run(ctx, s.rdb, keys, args...).StringSlice()
}

// attachmentID derives an attachment's id from where it came from and what it
// holds: the same attachment on a retry gets the same id, different bytes under
// a reused source key never overwrite a stored attachment.
func attachmentID(sourceKey string, index int, data []byte) string {
	sum := sha256.Sum256(data)
	h := sha256.New()
	h.Write([]byte(sourceKey))
	h.Write([]byte{0})
	h.Write([]byte(strconv.Itoa(index)))
	h.Write([]byte{0})
	h.Write(sum[:])
	return "a" + hex.EncodeToString(h.Sum(nil))[:24]
}

// normalizeMessageID trims an RFC 5322 msg-id and puts it in angle brackets.
func normalizeMessageID(id string) string {
	id = strings.TrimSpace(id)
	if id == "" {
		return ""
	}
	if !strings.HasPrefix(id, "<") {
		id = "<" + id + ">"
	}
	return id
}

// senderEmail returns the lower-cased address of a From like "Ann <ann@x>",
// or "" when it has none.
func senderEmail(from string) string {
	a, err := netmail.ParseAddress(from)
	if err != nil {
		return ""
	}
	return strings.ToLower(a.Address)
}

// senderPhone returns a From that is an E.164 phone number, or "".
func senderPhone(from string) string {
	from = strings.TrimSpace(from)
	if len(from) < 9 || len(from) > 16 || from[0] != '+' {
		return ""
	}
	for _, r := range from[1:] {
		if r < '0' || r > '9' {
			return ""
		}
	}
	return from
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func validateNewTicket(nt ticket.NewTicket) error {
	switch nt.Channel {
	case ticket.ChannelEmail, ticket.ChannelVoice, ticket.ChannelSMS, ticket.ChannelFax:
	default:
		return fmt.Errorf("new ticket: channel %q: %w", nt.Channel, fault.ErrInvalid)
	}
	if nt.Queue == "" {
		return fmt.Errorf("new ticket: queue is required: %w", fault.ErrInvalid)
	}
	switch nt.Priority {
	case "", ticket.PriorityLow, ticket.PriorityNormal, ticket.PriorityHigh, ticket.PriorityUrgent:
	default:
		return fmt.Errorf("new ticket: priority %q: %w", nt.Priority, fault.ErrInvalid)
	}
	return validateMessage(nt.Message)
}

func validateMessage(nm ticket.NewMessage) error {
	if nm.SourceKey == "" {
		return fmt.Errorf("new message: source key is required: %w", fault.ErrInvalid)
	}
	if strings.ContainsAny(nm.SourceKey, "\r\n") || len(nm.SourceKey) > 1024 {
		return fmt.Errorf("new message: source key must be one line of at most 1024 bytes: %w", fault.ErrInvalid)
	}
	switch nm.Direction {
	case "", ticket.DirectionIn, ticket.DirectionOut, ticket.DirectionInternal:
	default:
		return fmt.Errorf("new message %s: direction %q: %w", nm.SourceKey, nm.Direction, fault.ErrInvalid)
	}
	if len(nm.Mentions) > 0 && nm.Direction != ticket.DirectionInternal {
		return fmt.Errorf("new message %s: only a note mentions people: %w", nm.SourceKey, fault.ErrInvalid)
	}
	if len(nm.Mentions) > maxMentions {
		return fmt.Errorf("new message %s: a note mentions at most %d people: %w", nm.SourceKey, maxMentions, fault.ErrInvalid)
	}
	for _, name := range nm.Mentions {
		if name == "" || len(name) > 64 || strings.ContainsFunc(name, func(r rune) bool { return r <= ' ' || r == ':' }) {
			return fmt.Errorf("new message %s: mention %q is not a user name: %w", nm.SourceKey, name, fault.ErrInvalid)
		}
	}
	return nil
}

// maxMentions bounds the people one note mentions.
const maxMentions = 20

// AddAttachment adds a file to a stored message, once per source key: the
// bytes first, under an id derived from the source key and the bytes, then the
// script that lists them on the message (one MULTI/EXEC on a single Redis).
func (s *Store) AddAttachment(ctx context.Context, ticketID, messageID, sourceKey string, na ticket.NewAttachment) (ticket.Attachment, error) {
	if err := validID(ticketID); err != nil {
		return ticket.Attachment{}, err
	}
	if sourceKey == "" || strings.ContainsAny(sourceKey, "\r\n") || len(sourceKey) > 1024 {
		return ticket.Attachment{}, fmt.Errorf("add attachment: source key must be one line of 1-1024 bytes: %w", fault.ErrInvalid)
	}
	a := ticket.Attachment{
		ID: attachmentID(sourceKey, 0, na.Data), Filename: na.Filename, ContentType: na.ContentType,
		Size: int64(len(na.Data)), Inline: na.Inline, ContentID: na.ContentID,
	}
	if a.ContentType == "" {
		a.ContentType = "application/octet-stream"
	}
	var blobs []blob
	if a.Size > s.maxAtt {
		a.Omitted = true
	} else {
		blobs = []blob{{id: a.ID, data: na.Data}}
	}
	meta, _ := json.Marshal(a)
	now := s.now()
	_, err := s.commit(ctx, s.scripts.attach, blobs, []string{s.key("sources")},
		s.base, sourceKey, ticketID, messageID, a.ID, string(meta), ms(now), rfc(now), "intake")
	if err != nil {
		return ticket.Attachment{}, wrap(fmt.Sprintf("add attachment %s to %s of ticket %s", sourceKey, messageID, ticketID), err)
	}
	return a, nil
}
