package imappoll

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"frontdesk/fault"
)

// Inventory tells reconciliation which mails the store holds already; the
// email importer is one. The poller calls it from its own goroutine only.
type Inventory interface {
	// Known reports, for each header in turn (a mail's Message-ID field, as
	// BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)] returns it), whether the store
	// holds that mail for certain, so that reconciliation skips it without
	// fetching its body; false where the header alone cannot tell.
	Known(ctx context.Context, mailbox string, headers [][]byte) ([]bool, error)
	// Stored reports whether the store holds m as the Handler stores it
	// (by its source key).
	Stored(ctx context.Context, m Mail) (bool, error)
}

// Reconciliation's results, as in frontdesk_imap_reconciled_total.
const (
	reconciledImported = "imported"
	reconciledStored   = "already_stored"
	reconciledFailed   = "failed"
)

// messageIDSection is a mail's Message-ID field alone (RFC 3501 §6.4.5).
var messageIDSection = &imap.FetchItemBodySection{
	Specifier: imap.PartSpecifierHeader, HeaderFields: []string{"MESSAGE-ID"}, Peek: true,
}

// reconciles reports whether the poller reconciles its mailbox.
func (p *Poller) reconciles() bool {
	return p.opts.Inventory != nil && p.mb.ReconcileDays > 0
}

// tally counts one round's findings.
type tally struct{ imported, stored, failed int }

// reconcile runs one round of reconciliation (see the package comment) and
// schedules the next. An error means the connection is no longer usable (or
// the lease is lost); a store that is unavailable or a mail that fails ends
// the round, to be tried again in the next one.
func (p *Poller) reconcile(ctx context.Context, cn *conn) error {
	start := time.Now()
	p.nextReconcile = start.Add(p.opts.ReconcileInterval)
	since := start.AddDate(0, 0, -p.mb.ReconcileDays)
	var t tally
	err := p.reconcileFolders(ctx, cn, since, &t)
	p.m.reconciled.WithLabelValues(reconciledImported).Add(float64(t.imported))
	p.m.reconciled.WithLabelValues(reconciledStored).Add(float64(t.stored))
	p.m.reconciled.WithLabelValues(reconciledFailed).Add(float64(t.failed))
	attrs := []any{slog.Int("imported", t.imported), slog.Int("already_stored", t.stored),
		slog.Int("failed", t.failed), slog.Duration("took", time.Since(start))}
	switch {
	case err != nil && isConnErr(err):
		return err
	case err != nil && ctx.Err() != nil:
		return nil // stopping: the session ends, and the next holder reconciles
	case err != nil && fault.IsUnavailable(err):
		// Try again soon rather than in a whole interval.
		// (The poller's state says the store is away.)
		p.nextReconcile = time.Now().Add(p.opts.RetryDelay)
		p.log.Debug("imap reconciliation stopped; will retry", append(attrs, slog.Any("error", err))...)
		return nil
	case err != nil:
		p.log.Warn("imap reconciliation stopped", append(attrs, slog.Any("error", err))...)
		return nil
	case t.imported > 0 || t.failed > 0:
		// Mail the server has and the store had not: something lost
		// writes (a Redis rollback, a failover, deleted keys).
		p.log.Warn("imap reconciliation found mail the store lacked", attrs...)
	default:
		p.log.Debug("imap reconciliation", attrs...)
	}
	p.answered()
	return nil
}

// connError marks an error of the connection, which ends the session.
type connError struct{ err error }

func (e connError) Error() string { return e.err.Error() }
func (e connError) Unwrap() error { return e.err }

func isConnErr(err error) bool {
	var ce connError
	return errors.As(err, &ce) || errors.Is(err, errLeaseLost)
}

// reconcileFolders reconciles the folder, up to the last UID the import has
// passed (what is above is the import's), and the folder mail is moved to,
// if any.
func (p *Poller) reconcileFolders(ctx context.Context, cn *conn, since time.Time, t *tally) error {
	st, err := p.loadState(ctx)
	if err != nil {
		return err
	}
	if st.exists && st.uidValidity == cn.sel.UIDValidity && st.lastUID > 0 {
		err := p.reconcileFolder(ctx, cn, folderScan{
			name: p.folder(), uidValidity: st.uidValidity, upTo: st.lastUID, mark: true,
		}, since, t)
		if err != nil {
			return err
		}
	}
	dest := p.mb.AfterImportFolder()
	if dest == "" {
		return nil
	}
	// The folder mail was moved to, read-only; then the mailbox's folder
	// again.
	var sel *imap.SelectData
	err = cn.run("EXAMINE", func() (err error) {
		sel, err = cn.c.Select(dest, &imap.SelectOptions{ReadOnly: true}).Wait()
		return err
	})
	if err != nil {
		return connError{fmt.Errorf("examine %s: %w", dest, err)}
	}
	scanErr := p.reconcileFolder(ctx, cn, folderScan{name: dest, uidValidity: sel.UIDValidity}, since, t)
	if err := p.selectFolder(cn); err != nil {
		return connError{err}
	}
	return scanErr
}

// folderScan is one folder as reconciliation looks at it.
type folderScan struct {
	name        string
	uidValidity uint32
	upTo        uint32 // the highest UID to look at; 0 for all
	mark        bool   // mark what it imports as after_import says (the mailbox's own folder)
}

// reconcileFolder looks at up to ReconcileMax mails of the selected folder
// with an INTERNALDATE since since, going on from where the last round in
// this folder stopped and starting over once it has seen them all, and
// imports those the store lacks.
func (p *Poller) reconcileFolder(ctx context.Context, cn *conn, f folderScan, since time.Time, t *tally) error {
	cursor, err := p.loadCursor(ctx, f.name, f.uidValidity)
	if err != nil {
		return err
	}
	criteria := imap.SearchCriteria{Since: since, NotFlag: []imap.Flag{imap.FlagDeleted}}
	if f.upTo > 0 {
		criteria.UID = []imap.UIDSet{{{Start: 1, Stop: imap.UID(f.upTo)}}}
	}
	var found *imap.SearchData
	err = cn.run("UID SEARCH SINCE", func() (err error) {
		found, err = cn.c.UIDSearch(&criteria, nil).Wait()
		return err
	})
	if err != nil {
		return connError{fmt.Errorf("search %s: %w", f.name, err)}
	}
	all := uidsAbove(found.AllUIDs(), 0)
	if f.upTo > 0 {
		all = slices.DeleteFunc(all, func(u uint32) bool { return u > f.upTo })
	}
	next, _ := slices.BinarySearch(all, cursor+1)
	todo := all[next:]
	if len(todo) == 0 { // a pass is complete: start the next
		todo = all
	}
	todo = todo[:min(len(todo), p.opts.ReconcileMax)]
	if len(todo) == 0 {
		return nil
	}
	done, err := p.reconcileMails(ctx, cn, f, todo, t)
	if done > 0 {
		if serr := p.saveCursor(ctx, f.name, f.uidValidity, done); serr != nil && err == nil {
			err = serr
		}
	}
	return err
}

// reconcileMails checks todo (sorted UIDs) against the store: first by their
// Message-IDs alone, then, for those the Message-ID does not prove stored,
// by their bodies, and hands the ones the store lacks to the handler. It
// returns the UID up to which every mail of todo is settled.
func (p *Poller) reconcileMails(ctx context.Context, cn *conn, f folderScan, todo []uint32, t *tally) (uint32, error) {
	var bufs []*imapclient.FetchMessageBuffer
	err := cn.runFor("UID FETCH Message-IDs", p.fetchBound(int64(len(todo))*1024), func() (err error) {
		bufs, err = cn.c.Fetch(uidSet(todo), &imap.FetchOptions{
			UID: true, RFC822Size: true, InternalDate: true,
			BodySection: []*imap.FetchItemBodySection{messageIDSection},
		}).Collect()
		return err
	})
	if err != nil {
		return 0, connError{fmt.Errorf("fetch message ids in %s: %w", f.name, err)}
	}
	slices.SortFunc(bufs, func(a, b *imapclient.FetchMessageBuffer) int { return cmp.Compare(a.UID, b.UID) })
	headers := make([][]byte, len(bufs))
	for i, b := range bufs {
		headers[i] = b.FindBodySection(messageIDSection)
	}
	known, err := p.opts.Inventory.Known(ctx, p.mb.Name, headers)
	if err != nil {
		return 0, fmt.Errorf("look up message ids: %w", err)
	}
	if len(known) != len(headers) {
		return 0, fmt.Errorf("look up message ids: %d answers for %d mails", len(known), len(headers))
	}
	// Mails the server no longer has, and mails known by their Message-ID,
	// are settled at once; the others once checked by their bodies.
	var unknown []meta
	for i, b := range bufs {
		if known[i] {
			t.stored++
			continue
		}
		unknown = append(unknown, meta{uid: uint32(b.UID), size: b.RFC822Size, received: b.InternalDate.Unix()})
	}
	settledTo := todo[len(todo)-1]
	if len(unknown) > 0 {
		// Everything below the first unknown mail is settled already.
		settledTo = 0
		for _, u := range todo {
			if u >= unknown[0].uid {
				break
			}
			settledTo = u
		}
	}
	im := &importer{p: p, cn: cn, st: state{uidValidity: f.uidValidity}}
	for _, b := range batches(unknown, p.opts.BatchMessages, p.opts.BatchBytes, p.maxSize()) {
		mails, err := im.fetchMails(b)
		if err != nil {
			return settledTo, connError{err}
		}
		var imported []uint32
		for _, md := range b {
			m, ok := mails[md.uid]
			if !ok { // expunged meanwhile
				settledTo = md.uid
				continue
			}
			res, err := p.reconcileMail(ctx, m)
			if err != nil {
				// The store is away, or ctx ended: settle what was
				// imported and stop here.
				return p.markReconciled(ctx, cn, f, imported, settledTo, err)
			}
			switch res {
			case reconciledImported:
				t.imported++
				imported = append(imported, m.UID)
			case reconciledStored:
				t.stored++
			default:
				t.failed++
			}
			settledTo = m.UID
		}
		if _, err := p.markReconciled(ctx, cn, f, imported, settledTo, nil); err != nil {
			return settledTo, err
		}
	}
	return todo[len(todo)-1], nil
}

// reconcileMail hands m to the handler if the store lacks it, and says how
// it went. An error (store unavailable, ctx done) leaves m unsettled.
func (p *Poller) reconcileMail(ctx context.Context, m Mail) (string, error) {
	if ctx.Err() != nil {
		return "", errNotHandled
	}
	if p.opts.Prepare != nil {
		m.Prepared = p.prepare(m)
	}
	stored, err := p.opts.Inventory.Stored(ctx, m)
	if err != nil {
		return "", fmt.Errorf("check mail %d: %w", m.UID, err)
	}
	if stored {
		return reconciledStored, nil
	}
	// The mail was on the server past its import: it is stored now as it
	// is if it cannot be stored normally, not retried.
	m.Attempt = MaxAttempts
	err = p.handle(ctx, m)
	switch {
	case err == nil:
		return reconciledImported, nil
	case fault.IsUnavailable(err) || ctx.Err() != nil:
		return "", err
	}
	p.log.Warn("imap reconciliation: mail not imported", slog.Uint64("uid", uint64(m.UID)), slog.Any("error", err))
	return reconciledFailed, nil
}

// markReconciled marks what reconciliation imported from the mailbox's own
// folder as after_import says, once the store would keep it (Durable), and
// passes on the error err that ended the batch, or one of its own.
func (p *Poller) markReconciled(ctx context.Context, cn *conn, f folderScan, imported []uint32, settledTo uint32, err error) (uint32, error) {
	if !f.mark || len(imported) == 0 {
		return settledTo, err
	}
	mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if p.opts.Durable != nil {
		if derr := p.opts.Durable(mctx); derr != nil {
			return settledTo, errors.Join(err, derr)
		}
	}
	if merr := p.markImported(cn, imported); merr != nil {
		return settledTo, connError{merr}
	}
	return settledTo, err
}
