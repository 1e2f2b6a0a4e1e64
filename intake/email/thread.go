package email

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"frontdesk/fault"
	"frontdesk/intake/mailparse"
)

// thread finds the ticket a mail continues, and says how; "" when it opens a
// new one. In order (RFC 5322 §3.6.4 threading fields first):
//
//  1. a bounce: the ticket of the message it reports on;
//  2. In-Reply-To, then References from the newest back: a message frontdesk
//     stored, or one of its own outbound Message-IDs, whose HMAC-signed ticket
//     reference threads the reply even when the index has lost the id — when
//     the sender is on that ticket (a ticket number handed out again after a
//     restore must not pull a stranger's reply onto someone else's ticket);
//  3. a [#ID] tag in the subject, honoured only when the sender is that
//     ticket's customer or already on the ticket, so that nobody can add mail
//     to someone else's ticket by guessing its number.
//
// frontdesk's own addresses are never "on the ticket": a mail forged as
// from support@ with a [#ID] makes a new ticket, it does not join (or
// reopen) the one it names.
func (im *Importer) thread(ctx context.Context, p *mailparse.Mail) (string, string, error) {
	if p.Kind == mailparse.KindBounce && len(p.BounceOf) > 0 {
		id, err := im.store.FindByMessageID(ctx, p.BounceOf...)
		if err == nil {
			return id, "bounce of a known message", nil
		}
		if !errors.Is(err, fault.ErrNotFound) {
			return "", "", fmt.Errorf("thread bounce: %w", err)
		}
	}
	refs := threadRefs(p)
	if len(refs) > 0 {
		id, err := im.store.FindByMessageID(ctx, refs...)
		if err == nil {
			return id, "In-Reply-To/References", nil
		}
		if !errors.Is(err, fault.ErrNotFound) {
			return "", "", fmt.Errorf("thread by references: %w", err)
		}
		for _, ref := range refs {
			id, ok, err := im.desk.TicketOfMessageID(ctx, ref)
			if err != nil {
				return "", "", err
			}
			if !ok {
				continue
			}
			belongs, err := im.senderBelongs(ctx, id, p.From.Address)
			if err != nil {
				return "", "", err
			}
			if belongs {
				return id, "signed Message-ID reference", nil
			}
		}
	}
	if id := subjectTicketID(p.Subject); id != "" {
		ok, err := im.senderBelongs(ctx, id, p.From.Address)
		if err != nil {
			return "", "", err
		}
		if ok {
			return id, "subject tag [#" + id + "]", nil
		}
	}
	return "", "", nil
}

// threadRefs lists the Message-IDs a mail answers: In-Reply-To, then
// References newest first.
func threadRefs(p *mailparse.Mail) []string {
	var refs []string
	if p.InReplyTo != "" {
		refs = append(refs, p.InReplyTo)
	}
	for _, r := range slices.Backward(p.References) {
		if r != p.InReplyTo {
			refs = append(refs, r)
		}
	}
	return refs
}

var subjectTag = regexp.MustCompile(`\[#(\d{1,18})\]`)

// subjectTicketID returns the id of a [#ID] subject tag, the last one if
// several.
func subjectTicketID(subject string) string {
	m := subjectTag.FindAllStringSubmatch(subject, -1)
	if len(m) == 0 {
		return ""
	}
	return m[len(m)-1][1]
}

// senderBelongs reports whether address is one of the ticket's customer's or appears on
// one of its messages; frontdesk's own addresses never do.
func (im *Importer) senderBelongs(ctx context.Context, id, address string) (bool, error) {
	address = strings.ToLower(strings.TrimSpace(address))
	if address == "" || im.desk.OwnAddress(address) {
		return false, nil
	}
	t, err := im.store.Get(ctx, id)
	// A merged ticket's messages, and who was on them, are on the ticket it
	// was merged into.
	for hops := 0; err == nil && t.MergedInto != "" && hops < 20; hops++ {
		t, err = im.store.Get(ctx, t.MergedInto)
	}
	if errors.Is(err, fault.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("thread by subject tag [#%s]: %w", id, err)
	}
	if slices.Contains(t.Customer.Emails, address) || strings.EqualFold(t.Customer.Email, address) {
		return true, nil // any of the customer's addresses
	}
	for _, m := range t.Messages {
		for _, a := range append(append([]string{m.From}, m.To...), m.Cc...) {
			if addressOf(a) == address {
				return true, nil
			}
		}
	}
	return false, nil
}

// addressOf returns the lower-cased address of "Name <addr>" or "addr".
func addressOf(s string) string {
	if i := strings.LastIndexByte(s, '<'); i >= 0 {
		s = strings.TrimSuffix(s[i+1:], ">")
	}
	return strings.ToLower(strings.TrimSpace(s))
}
