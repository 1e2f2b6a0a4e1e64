package email

import (
	"context"
	"errors"
	"fmt"

	"frontdesk/fault"
	"frontdesk/intake/imappoll"
	"frontdesk/intake/mailparse"
)

// The Importer tells the pollers' reconciliation what the desk holds.
var _ imappoll.Inventory = (*Importer)(nil)

// Known reports, for each Message-ID header field (as reconciliation fetches
// it), whether the desk holds a message with that Message-ID: then the mail
// was stored and its body need not be fetched. The threading index answers,
// in one round trip for all of them. A mail without a usable Message-ID is
// never known here; Stored tells by its body.
//
// The index does not say which mailbox a message came through, nor which
// body it had: a copy of one mail sent to two mailboxes, or a second mail
// that reuses a Message-ID, counts as stored once either is. Its content is
// on the desk in both cases.
func (im *Importer) Known(ctx context.Context, mailbox string, headers [][]byte) ([]bool, error) {
	ids := make([]string, len(headers))
	for i, h := range headers {
		if p, err := mailparse.ParseHeader(h, 0, &im.parse); err == nil {
			ids[i] = p.MessageID
		}
	}
	known, err := im.store.KnownMessageIDs(ctx, ids...)
	if err != nil {
		return nil, fmt.Errorf("reconcile mailbox %s: %w", mailbox, err)
	}
	return known, nil
}

// Stored reports whether the desk holds m under the source key Handle
// would store it with, or under the key of a mail stored as it is after
// repeated failures.
func (im *Importer) Stored(ctx context.Context, m imappoll.Mail) (bool, error) {
	keys := []string{rawSourceKey(m.Mailbox, m)}
	if p, err := im.parseMail(m); err == nil {
		keys = append([]string{sourceKey(m.Mailbox, m, p)}, keys...)
	}
	for _, k := range keys {
		_, err := im.store.FindSource(ctx, k)
		if err == nil {
			return true, nil
		}
		if !errors.Is(err, fault.ErrNotFound) {
			return false, fmt.Errorf("reconcile mail %d of %s: %w", m.UID, m.Mailbox, err)
		}
	}
	return false, nil
}
