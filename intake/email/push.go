package email

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"frontdesk/config"
	"frontdesk/fault"
	"frontdesk/intake/imappoll"
	"frontdesk/intake/mailparse"
)

// Recipient is whom a mail server delivered a mail to (push intake,
// package intake/lmtp): a configured mailbox, by its address, or a queue,
// by its address.
type Recipient struct {
	// Mailbox is the name of the mailbox whose address the mail was for;
	// the mail is filed as if that mailbox's poller had fetched it, under
	// the same source key, so that a mail both delivered and fetched is
	// stored once.
	Mailbox string
	// Queue is the queue whose address the mail was for, when no mailbox
	// has that address.
	Queue string
}

// Deliver stores a mail a mail server delivered: parsed, threaded and filed
// exactly as Handle files a mail an IMAP poller fetched, through the same
// desk verbs. nil means it is stored (now, or before: a redelivery is
// stored once); an error for which fault.IsUnavailable holds means it is
// not, and the mail server should try again later. Other failures (a mail
// that cannot be read or filed) store it as it is, with a warning, as Handle
// does after repeated failures: a mail server's retries would not change
// the mail, and a refusal would bounce it to its sender.
//
// The caller makes the write durable (Store.Durable) before it tells the
// mail server "done".
func (im *Importer) Deliver(ctx context.Context, to Recipient, raw []byte, received time.Time) error {
	mb, err := im.recipient(to)
	if err != nil {
		return err
	}
	m := imappoll.Mail{Mailbox: mb.Name, Size: int64(len(raw)), Raw: raw, Received: received, Attempt: 1}
	if mb.MaxMessageSize > 0 && m.Size > int64(mb.MaxMessageSize) {
		// Over the mailbox's max_message_size: kept as its poller keeps
		// such a mail, the header only.
		m.Raw, m.Header, m.Oversized = nil, headerOf(raw), true
	}
	p, err := im.parseMail(m)
	if err == nil {
		err = im.store1(ctx, mb, m, p)
	}
	if err == nil || unavailable(err) {
		return err
	}
	im.logger.Warn("delivered mail not imported normally", slog.String("to", sourceName(mb)),
		slog.Any("error", err))
	return im.storeAsIs(ctx, mb, m, p, err)
}

// storeAsIs stores a mail that could not be imported normally as it is
// (storeRaw), unless it was stored after all: what failed may have come
// after the mail was stored (its acknowledgement, say), and storing it
// again as it is would make a second ticket of it. p is the parsed mail,
// nil when it could not be parsed.
func (im *Importer) storeAsIs(ctx context.Context, mb config.Mailbox, m imappoll.Mail, p *mailparse.Mail, cause error) error {
	if p != nil {
		_, err := im.store.FindSource(ctx, sourceKey(sourceName(mb), m, p))
		switch {
		case err == nil:
			im.logger.Error("mail stored, but what follows storing it failed", slog.String("mailbox", sourceName(mb)),
				slog.String("message_id", p.MessageID), slog.Any("error", cause))
			return nil
		case !errors.Is(err, fault.ErrNotFound):
			return fmt.Errorf("find whether mail %s was stored: %w", p.MessageID, err)
		}
	}
	return im.storeRaw(ctx, mb, m, cause)
}

// headerOf is a message's header with the blank line that ends it, as IMAP
// fetches it (BODY[HEADER]); the whole message when it has no body.
func headerOf(raw []byte) []byte {
	if i := indexBody(raw); i >= 0 {
		return raw[:i]
	}
	return raw
}

// unavailable reports whether err says to try again later: Redis is away,
// or the caller gave up.
func unavailable(err error) bool {
	return fault.IsUnavailable(err) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// recipient is the mailbox a delivery is filed under: the configured one,
// or for a queue's address one with only the queue.
func (im *Importer) recipient(to Recipient) (config.Mailbox, error) {
	if to.Mailbox != "" {
		mb, ok := im.cfg.Mailbox(to.Mailbox)
		if !ok {
			return mb, fmt.Errorf("deliver mail to mailbox %s: mailbox not configured", to.Mailbox)
		}
		return mb, nil
	}
	if _, ok := im.cfg.Queue(to.Queue); !ok || to.Queue == "" {
		return config.Mailbox{}, fmt.Errorf("deliver mail to queue %q: queue not configured", to.Queue)
	}
	return config.Mailbox{Queue: to.Queue}, nil
}

// sourceName names where a mail came in, in source keys and timelines: the
// mailbox's name, or "queue:NAME" for mail a mail server delivered to a
// queue's address (queue names have no ':', mailbox names rarely).
func sourceName(mb config.Mailbox) string {
	if mb.Name == "" && mb.Queue != "" {
		return "queue:" + mb.Queue
	}
	return mb.Name
}

// ResolveRecipient finds whom a mail for address is delivered to: the
// mailbox with that address (mailboxes[].address), else the queue with it
// (queues[].address); a "+tag" in the local part (support+billing@) is
// tried without the tag when the whole address matches nothing. Case does
// not matter.
func ResolveRecipient(cfg *config.Config, address string) (Recipient, bool) {
	address = strings.ToLower(strings.TrimSpace(address))
	if r, ok := resolveExact(cfg, address); ok {
		return r, true
	}
	local, domain, ok := strings.Cut(address, "@")
	if i := strings.IndexByte(local, '+'); ok && i > 0 {
		return resolveExact(cfg, local[:i]+"@"+domain)
	}
	return Recipient{}, false
}

func resolveExact(cfg *config.Config, address string) (Recipient, bool) {
	if address == "" {
		return Recipient{}, false
	}
	for _, mb := range cfg.Mailboxes {
		if addressOf(mb.Address) == address {
			return Recipient{Mailbox: mb.Name}, true
		}
	}
	for _, q := range cfg.Queues {
		if addressOf(q.Address) == address {
			return Recipient{Queue: q.Name}, true
		}
	}
	return Recipient{}, false
}
