package imappoll

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"frontdesk/fault"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// syncOutcome says what a sync left to do.
type syncOutcome struct {
	// retry: a mail failed, or the store was unavailable; sync again after
	// Options.RetryDelay rather than waiting for new mail.
	retry bool
}

// sync imports every mail that is due, batch by batch. An error means the
// connection is no longer usable (or the lease is lost); a failing handler or
// an unavailable store only asks for a retry.
func (p *Poller) sync(ctx context.Context, cn *conn) (syncOutcome, error) {
	st, err := p.loadState(ctx)
	if err != nil {
		return p.unavailable(err)
	}
	v := cn.sel.UIDValidity
	if p.uidValidity != v {
		p.uidValidity, p.doneAbove, p.failures = v, make(map[uint32]bool), nil
	}
	if p.failures == nil {
		if p.failures, err = p.loadFailures(ctx, v); err != nil {
			return p.unavailable(err)
		}
	}

	// What to look for (see "What is imported" in the package comment).
	rescan := !st.exists || st.uidValidity != v
	criteria := imap.SearchCriteria{NotFlag: []imap.Flag{imap.FlagDeleted}}
	var base, upper uint32
	if rescan {
		if st.exists {
			p.log.Warn("imap UIDVALIDITY changed, scanning the folder again",
				slog.Uint64("old", uint64(st.uidValidity)), slog.Uint64("new", uint64(v)))
		}
		if p.mb.AfterImportFolder() == "" {
			notSeen := imap.SearchCriteria{NotFlag: []imap.Flag{imap.FlagSeen}}
			if st.exists && st.lastDate > 0 {
				since := time.Unix(st.lastDate, 0).UTC().AddDate(0, 0, -1)
				criteria.Or = [][2]imap.SearchCriteria{{notSeen, {Since: since}}}
			} else {
				criteria.And(&notSeen)
			}
		}
		if cn.sel.UIDNext > 0 {
			upper = uint32(cn.sel.UIDNext) - 1
		}
	} else {
		base = st.lastUID
		criteria.UID = []imap.UIDSet{{{Start: imap.UID(base + 1), Stop: 0}}} // base+1:*
	}
	var found *imap.SearchData
	err = cn.run("UID SEARCH", func() (err error) {
		found, err = cn.c.UIDSearch(&criteria, nil).Wait()
		return err
	})
	if err != nil {
		return syncOutcome{}, fmt.Errorf("search %s: %w", p.folder(), err)
	}
	var uids []uint32
	for _, uid := range uidsAbove(found.AllUIDs(), base) {
		if p.doneAbove[uid] {
			upper = max(upper, uid)
			continue
		}
		uids = append(uids, uid)
	}
	pr := newProgress(base, upper, uids)
	if len(uids) == 0 {
		p.m.lag.Set(0)
		if rescan {
			st = state{exists: true, uidValidity: v, lastUID: pr.watermark(), lastDate: st.lastDate}
			if err := p.saveState(ctx, st, nil); err != nil {
				return p.unavailable(err)
			}
		}
		return syncOutcome{}, nil
	}

	im := &importer{p: p, cn: cn, st: st, rescan: rescan, pr: pr, pending: make(map[uint32]int64)}
	im.st.uidValidity = v
	out, err := im.run(ctx)
	p.m.lag.Set(im.lag())
	return out, err
}

// unavailable turns a Redis failure into a retry and anything else (a lost
// lease) into an error.
func (p *Poller) unavailable(err error) (syncOutcome, error) {
	if fault.IsUnavailable(err) {
		p.transition(stateStoreDown, err)
		return syncOutcome{retry: true}, nil
	}
	return syncOutcome{}, err
}

// importer is one sync's import of its candidates.
type importer struct {
	p      *Poller
	cn     *conn
	st     state // the state as it will be saved
	rescan bool
	pr     *progress
	// pending: candidates seen (their INTERNALDATE, unix seconds) and not
	// imported yet, for the lag gauge.
	pending map[uint32]int64
	// cleared: imported UIDs whose failure counts are still to be deleted.
	cleared []uint32
}

func (im *importer) run(ctx context.Context) (syncOutcome, error) {
	p := im.p
	var out syncOutcome
	// The next batch is fetched while the current one is stored: one fetcher
	// goroutine runs a batch ahead (IMAP allows commands in flight together;
	// the fetches use BODY.PEEK, so they change no flags).
	fctx, stopFetching := context.WithCancel(ctx)
	defer stopFetching()
	fetched := make(chan fetchedBatch, 1)
	go im.fetchAll(fctx, fetched)
	defer func() {
		stopFetching()
		for range fetched { // let the fetcher finish before the connection is reused
		}
	}()
	for f := range fetched {
		for _, uid := range f.gone {
			im.pr.markDone(uid)
		}
		for _, m := range f.metas {
			im.pending[m.uid] = m.received
		}
		if f.err != nil {
			return out, f.err
		}
		if ctx.Err() != nil || f.b == nil {
			continue
		}
		p.m.lag.Set(im.lag())
		res, err := im.batch(ctx, f.b, f.mails)
		if err != nil {
			return out, err
		}
		out.retry = out.retry || res.retry
		if res.stop {
			return out, nil
		}
	}
	return out, nil
}

// fetchedBatch is one batch as the fetcher hands it over: the mails of b (nil
// when this hand-over only reports metadata), the chunk's metadata and the UIDs
// the server no longer has, or the error that ended the fetching.
type fetchedBatch struct {
	b     []meta
	mails map[uint32]Mail
	metas []meta
	gone  []uint32
	err   error
}

// fetchAll fetches every candidate's metadata and then its batch's mails,
// handing each batch over on out, and closes out when done, failed or
// cancelled. It touches no state of the importer: run applies what it reports.
func (im *importer) fetchAll(ctx context.Context, out chan<- fetchedBatch) {
	defer close(out)
	p := im.p
	send := func(f fetchedBatch) bool {
		select {
		case out <- f:
			return f.err == nil
		case <-ctx.Done():
			return false
		}
	}
	uids := im.pr.uids
	for start := 0; start < len(uids); start += p.opts.BatchMessages {
		if ctx.Err() != nil {
			return
		}
		chunk := uids[start:min(start+p.opts.BatchMessages, len(uids))]
		metas, gone, err := im.fetchMeta(chunk)
		if !send(fetchedBatch{metas: metas, gone: gone, err: err}) {
			return
		}
		for _, b := range batches(metas, p.opts.BatchMessages, p.opts.BatchBytes, p.maxSize()) {
			if ctx.Err() != nil {
				return
			}
			mails, err := im.fetchMails(b)
			if err == nil {
				p.answered()
			}
			if !send(fetchedBatch{b: b, mails: mails, err: err}) {
				return
			}
		}
	}
}

// fetchMeta learns the size and INTERNALDATE of chunk's mails, and which of
// them the server no longer has (expunged meanwhile: they count as done).
func (im *importer) fetchMeta(chunk []uint32) (metas []meta, gone []uint32, err error) {
	var bufs []*imapclient.FetchMessageBuffer
	err = im.cn.run("UID FETCH sizes", func() (err error) {
		bufs, err = im.cn.c.Fetch(uidSet(chunk), &imap.FetchOptions{
			UID: true, RFC822Size: true, InternalDate: true,
		}).Collect()
		return err
	})
	if err != nil {
		return nil, nil, fmt.Errorf("fetch sizes: %w", err)
	}
	byUID := make(map[uint32]meta, len(bufs))
	for _, b := range bufs {
		byUID[uint32(b.UID)] = meta{uid: uint32(b.UID), size: b.RFC822Size, received: b.InternalDate.Unix()}
	}
	metas = make([]meta, 0, len(chunk))
	for _, uid := range chunk {
		m, ok := byUID[uid]
		if !ok {
			gone = append(gone, uid)
			continue
		}
		metas = append(metas, m)
	}
	return metas, gone, nil
}

// batchResult says how a batch went.
type batchResult struct {
	retry bool // some handler failed or the store was unavailable
	stop  bool // do not go on with this sync
}

var (
	wholeSection  = &imap.FetchItemBodySection{Peek: true}
	headerSection = &imap.FetchItemBodySection{Specifier: imap.PartSpecifierHeader, Peek: true}
)

// fetchMails fetches b's mails: whole, or only the header of those over the
// size cap.
func (im *importer) fetchMails(b []meta) (map[uint32]Mail, error) {
	p := im.p
	var whole, over []uint32
	var wholeBytes int64
	for _, m := range b {
		if m.size > p.maxSize() {
			over = append(over, m.uid)
		} else {
			whole = append(whole, m.uid)
			wholeBytes += m.size
		}
	}
	mails := make(map[uint32]Mail, len(b))
	for _, part := range []struct {
		uids    []uint32
		section *imap.FetchItemBodySection
		bytes   int64
	}{{whole, wholeSection, wholeBytes}, {over, headerSection, int64(len(over)) * headerCost}} {
		if len(part.uids) == 0 {
			continue // never FETCH an empty set
		}
		var bufs []*imapclient.FetchMessageBuffer
		err := im.cn.runFor("UID FETCH mails", p.fetchBound(part.bytes), func() (err error) {
			bufs, err = im.cn.c.Fetch(uidSet(part.uids), &imap.FetchOptions{
				UID: true, RFC822Size: true, InternalDate: true,
				BodySection: []*imap.FetchItemBodySection{part.section},
			}).Collect()
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("fetch mails: %w", err)
		}
		for _, buf := range bufs {
			m := Mail{
				Mailbox:     p.mb.Name,
				UIDValidity: im.st.uidValidity,
				UID:         uint32(buf.UID),
				Size:        buf.RFC822Size,
				Received:    buf.InternalDate,
			}
			body := buf.FindBodySection(part.section)
			if part.section == headerSection {
				m.Oversized, m.Header = true, body
			} else {
				m.Raw = body
			}
			mails[m.UID] = m
		}
	}
	return mails, nil
}

// batch hands b's fetched mails to the handler, marks those stored on the
// server and then advances the state.
func (im *importer) batch(ctx context.Context, b []meta, mails map[uint32]Mail) (batchResult, error) {
	p := im.p
	results := im.handleAll(ctx, b, mails)
	var res batchResult
	var stored []uint32
	var newest int64
	for i, md := range b {
		m, ok := mails[md.uid]
		if !ok { // expunged by someone else meanwhile
			im.pr.markDone(md.uid)
			delete(im.pending, md.uid)
			continue
		}
		m.Attempt = p.failures[m.UID] + 1
		err := results[i]
		if err == nil {
			stored = append(stored, m.UID)
			newest = max(newest, m.Received.Unix())
			continue
		}
		if errors.Is(err, errNotHandled) || res.stop {
			// Not tried (ctx ended), or the batch already stopped: neither
			// counts as a failure of the mail.
			res.stop = true
			continue
		}
		p.m.failures.Inc()
		if ctx.Err() != nil {
			res.stop = true
			continue
		}
		if fault.IsUnavailable(err) {
			// Not the mail's fault: not counted, and no point going on.
			p.transition(stateStoreDown, err)
			res.retry, res.stop = true, true
			continue
		}
		res.retry = true
		n, cerr := p.countFailure(ctx, m.UIDValidity, m.UID)
		if cerr != nil {
			p.transition(stateStoreDown, cerr)
			res.stop = true
			continue
		}
		p.failures[m.UID] = n
		p.log.Warn("imap mail not imported; will retry",
			slog.Uint64("uid", uint64(m.UID)), slog.Int("attempt", m.Attempt), slog.Any("error", err))
	}
	if len(stored) == 0 {
		return res, nil
	}

	// The handlers are done: mark and save even when ctx was cancelled
	// meanwhile, so that a shutdown does not hand stored mail back.
	mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if p.testHookBeforeMark != nil {
		if err := p.testHookBeforeMark(); err != nil {
			return res, err
		}
	}
	// Durable before done: the server hears "imported" (\Seen, MOVE) only
	// once the store would keep the mails through a crash of its host.
	if p.opts.Durable != nil {
		if err := p.opts.Durable(mctx); err != nil {
			p.transition(stateStoreDown, err)
			res.retry, res.stop = true, true
			return res, nil
		}
	}
	if err := p.markImported(im.cn, stored); err != nil {
		return res, err
	}
	for _, uid := range stored {
		im.pr.markDone(uid)
		delete(im.pending, uid)
		p.m.imported.Inc()
		p.doneAbove[uid] = true
		if _, ok := p.failures[uid]; ok {
			im.cleared = append(im.cleared, uid)
		}
	}
	im.st.lastDate = max(im.st.lastDate, newest)
	if im.rescan && !im.pr.complete() {
		// A scan is saved only once complete (see the package comment).
		return res, nil
	}
	im.st.exists, im.st.lastUID = true, im.pr.watermark()
	if err := p.saveState(mctx, im.st, im.cleared); err != nil {
		if errors.Is(err, errLeaseLost) {
			return res, err
		}
		p.transition(stateStoreDown, err)
		res.retry, res.stop = true, true
		return res, nil
	}
	for _, uid := range im.cleared {
		delete(p.failures, uid)
	}
	im.cleared = im.cleared[:0]
	for uid := range p.doneAbove {
		if uid <= im.st.lastUID {
			delete(p.doneAbove, uid)
		}
	}
	if !res.stop {
		p.transition(stateImporting, nil)
	}
	return res, nil
}

// errNotHandled marks a mail whose handler was not called because the context
// ended first.
var errNotHandled = errors.New("not handled")

// handleAll hands a batch's mails to the handler and returns each mail's
// result in batch order. Options.Prepare, the CPU work such as parsing, runs
// first for the whole batch, Options.Workers mails at a time. Then the mails
// that answer no other mail of the batch (Options.Threading) are handled
// Workers at a time, and the others one by one in UID order, after the mails
// they answer are stored. Without Threading every mail is handled one by one.
// After an unavailable store the rest of the batch is not handled.
func (im *importer) handleAll(ctx context.Context, b []meta, mails map[uint32]Mail) []error {
	p := im.p
	if p.opts.Prepare != nil {
		im.prepareAll(ctx, b, mails)
	}
	results := make([]error, len(b))
	var independent, ordered []int
	inBatch := map[string]bool{}
	if p.opts.Threading != nil {
		for _, md := range b {
			if id, _ := p.opts.Threading(mails[md.uid].Prepared); id != "" {
				inBatch[id] = true
			}
		}
	}
	for i, md := range b {
		m, ok := mails[md.uid]
		switch {
		case !ok:
		case p.opts.Threading == nil:
			ordered = append(ordered, i)
		case answersAny(p.opts.Threading, m.Prepared, inBatch):
			ordered = append(ordered, i)
		default:
			independent = append(independent, i)
		}
	}
	var stopped atomic.Bool
	run := func(i int) {
		m := mails[b[i].uid]
		if stopped.Load() || ctx.Err() != nil {
			results[i] = errNotHandled
			return
		}
		m.Attempt = p.failures[m.UID] + 1
		results[i] = p.handle(ctx, m)
		if fault.IsUnavailable(results[i]) {
			stopped.Store(true)
		}
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(p.opts.Workers, len(independent)) {
		wg.Go(func() {
			for i := range next {
				run(i)
			}
		})
	}
	for _, i := range independent {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, i := range ordered {
		run(i)
	}
	return results
}

// answersAny reports whether a prepared mail refers to one of ids.
func answersAny(threading func(any) (string, []string), prepared any, ids map[string]bool) bool {
	_, refs := threading(prepared)
	for _, r := range refs {
		if ids[r] {
			return true
		}
	}
	return false
}

// prepareAll runs Options.Prepare on a batch's mails, Workers at a time, and
// keeps each result in its Mail.
func (im *importer) prepareAll(ctx context.Context, b []meta, mails map[uint32]Mail) {
	p := im.p
	next := make(chan uint32)
	prepared := make([]Mail, 0, len(b))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range min(p.opts.Workers, len(b)) {
		wg.Go(func() {
			for uid := range next {
				m := mails[uid]
				m.Prepared = p.prepare(m)
				mu.Lock()
				prepared = append(prepared, m)
				mu.Unlock()
			}
		})
	}
	for _, md := range b {
		if _, ok := mails[md.uid]; ok && ctx.Err() == nil {
			next <- md.uid
		}
	}
	close(next)
	wg.Wait()
	for _, m := range prepared {
		mails[m.UID] = m
	}
}

// prepare runs Options.Prepare, turning a panic into a nil result: the
// handler then does the work itself and meets the same problem as an error.
func (p *Poller) prepare(m Mail) (v any) {
	defer func() {
		if r := recover(); r != nil {
			v = nil
		}
	}()
	return p.opts.Prepare(m)
}

// handle calls the handler, turning a panic into an error so that one bad
// mail cannot stop the poller.
func (p *Poller) handle(ctx context.Context, m Mail) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("handler panic: %v", r)
		}
	}()
	return p.h(ctx, m)
}

// markImported marks the given UIDs, whose handlers succeeded, as
// after_import says.
func (p *Poller) markImported(cn *conn, uids []uint32) error {
	set := uidSet(uids)
	seen := func(flags ...imap.Flag) error {
		err := cn.run("UID STORE", func() error {
			return cn.c.Store(set, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: flags}, nil).Close()
		})
		if err != nil {
			return fmt.Errorf("store flags %v: %w", flags, err)
		}
		return nil
	}
	folder := p.mb.AfterImportFolder()
	if folder == "" {
		return seen(imap.FlagSeen)
	}
	if err := seen(imap.FlagSeen); err != nil {
		return err
	}
	if cn.caps.Has(imap.CapMove) { // IMAP4rev2 implies MOVE
		err := cn.run("UID MOVE", func() error {
			_, err := cn.c.Move(set, folder).Wait()
			return err
		})
		if err != nil {
			return fmt.Errorf("move to %s: %w", folder, err)
		}
		return nil
	}
	// No MOVE: copy, then flag exactly these UIDs, then expunge exactly
	// these UIDs where UIDPLUS allows it (see the package comment).
	err := cn.run("UID COPY", func() error {
		_, err := cn.c.Copy(set, folder).Wait()
		return err
	})
	if err != nil {
		return fmt.Errorf("copy to %s: %w", folder, err)
	}
	if err := seen(imap.FlagDeleted); err != nil {
		return err
	}
	if cn.caps.Has(imap.CapUIDPlus) {
		if err := cn.run("UID EXPUNGE", func() error { return cn.c.UIDExpunge(set).Close() }); err != nil {
			return fmt.Errorf("uid expunge: %w", err)
		}
	}
	return nil
}

// lag is the age in seconds of the oldest mail seen and not imported.
func (im *importer) lag() float64 {
	var oldest int64
	for _, t := range im.pending {
		if oldest == 0 || t < oldest {
			oldest = t
		}
	}
	if oldest == 0 {
		return 0
	}
	return max(0, time.Since(time.Unix(oldest, 0)).Seconds())
}
