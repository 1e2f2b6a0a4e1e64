// Package imappoll watches IMAP mailboxes and hands each new mail to a
// handler exactly once per successful import: a mail is marked (\Seen, or
// moved) only after its handler stored it, and a crash at any point means the
// mail is handed over again next time, never lost. Storing idempotently
// (deduplicating by source key) is the handler's job.
//
// # Import order
//
// For each batch of new mails a Poller
//
//  1. fetches UID, RFC822.SIZE, INTERNALDATE and BODY.PEEK[] (BODY.PEEK[HEADER]
//     for a mail larger than the mailbox's max_message_size), so that
//     fetching sets no flag (RFC 3501 §6.4.5);
//  2. calls the Handler for each mail, in UID order;
//  3. marks exactly the UIDs whose handler returned nil: with after_import
//     "seen" by UID STORE +FLAGS.SILENT (\Seen); with "move:FOLDER" by \Seen
//     and UID MOVE (RFC 6851) where the server offers MOVE, else by UID COPY,
//     UID STORE +FLAGS.SILENT (\Seen \Deleted) and, only where UIDPLUS is
//     offered, UID EXPUNGE of exactly those UIDs (RFC 4315 §2.1). Without
//     UIDPLUS the copied mail stays in the folder flagged \Deleted and \Seen
//     (a plain EXPUNGE could remove mail another client flagged) and is skipped
//     by every later scan, which searches NOT DELETED;
//  4. only then advances the mailbox's state in Redis: UIDVALIDITY and the
//     last imported UID.
//
// The library's Move is not used on a server without MOVE: its fallback
// expunges every \Deleted mail and deletes the source even when the copy
// failed.
//
// # What is imported
//
// The first run, with no state in Redis, imports what is in the folder and
// not \Deleted: with after_import "seen" only what is not \Seen; with
// "move:FOLDER" everything. After that every mail whose UID is above the last
// imported UID is imported, \Seen or not (another client may read mail
// before the poller sees it). When the folder's UIDVALIDITY changes
// (RFC 3501 §2.3.1.1) the folder is scanned again as on a first run; with
// "seen" mails with an INTERNALDATE since the day before the newest mail
// imported so far are included too, seen or not, and the handler's dedupe
// drops what was stored before. The state is written only once such a scan
// has handled everything it found, so an interrupted scan is repeated, not
// half-trusted.
//
// # Failures
//
// A mail whose handler fails is retried (after Options.RetryDelay) and, once
// it has failed MaxAttempts-1 times, handed over with Attempt ≥ MaxAttempts so
// that the handler stores it as it is, with a warning: one bad mail never
// blocks a mailbox. Failure counts live in Redis, so they survive restarts. An
// error for which fault.IsUnavailable is true (Redis down) is not counted: the
// batch stops and is retried later.
//
// # One poller per mailbox
//
// Each Poller holds a lease in Redis while it works on its mailbox, renewed
// every LeaseTTL/3; another instance's Poller for the same mailbox waits and
// takes over within LeaseTTL when the holder dies, and within LeaseTTL/15
// (2 s by default) when it stops cleanly and releases the lease.
// State writes check the lease in the same script, so a poller that lost its
// lease cannot move the state.
//
// # Liveness
//
// A server that stops answering must not hold a mailbox: every command is
// bounded (Options.CommandTimeout, 30 s; a FETCH of mail bodies gets their
// size at Options.FetchRate on top), and while a command waits the server
// may not stay silent for longer than CommandTimeout; past either, the
// connection is cut and made again with backoff. TCP keepalive and, on
// Linux, TCP_USER_TIMEOUT (CommandTimeout) find a dead peer at the kernel's
// level. IDLE ends every Options.IdleRestart (4 min) and must be answered,
// as must the UID SEARCH that follows, so a connection that died silently
// while idle is found within IdleRestart + CommandTimeout.
//
// The lease is renewed only while the connection answers: from a failed or
// cut connection until a connection has completed a sync, a batch's FETCH
// or an IDLE, it is not. A poller whose server stalls (every body FETCH, say,
// through a broken path) lets its lease run out, stops working the mailbox
// at the moment it does (its connection is cut, also mid-command), and does
// not ask for it again for LeaseTTL, so that another instance takes over:
// within CommandTimeout + LeaseTTL of the stall (1 min by default). Logging
// in and searching do not count as answering, since a server that stalls
// every FETCH answers them too.
//
// # Signing in
//
// A mailbox signs in with its password (LOGIN), or, with auth oauth2
// (Options.OAuth2, package mailauth), by AUTHENTICATE XOAUTH2 or OAUTHBEARER
// (RFC 7628) with an OAuth2 access token. A token the server refuses is
// refreshed and tried once more on the same connection. When only a manager
// can help (the mailbox was never connected, or its provider refused the
// refresh token for good) the poller says so once (state "sign-in needed")
// and waits on its connection, keeping the lease, until a manager connects
// the mailbox on any instance: then it signs in within a second. The lease
// holder also keeps the mailbox's token fresh (mailauth.Account.Keep).
//
// # Reconciliation
//
// Marking a mail means "stored": a mail marked and then lost by the store (a
// Redis rollback or failover, deleted keys) would never come again, since
// every later scan passes over it. So the lease holder reconciles, when it
// takes the lease and every Options.ReconcileInterval (10 min), when
// Options.Inventory is set and the mailbox's ReconcileDays is more than 0:
//
//  1. it lists (UID SEARCH SINCE, NOT DELETED) the mails of the last
//     ReconcileDays in the folder, up to the last imported UID (what is above
//     it is the import's), and with after_import "move:FOLDER" in FOLDER
//     (EXAMINE, read-only; the folder is selected again after);
//  2. it takes up to Options.ReconcileMax (500) of them, going on from the
//     UID where the last round in that folder stopped, and starting over
//     once it has seen them all: a round is bounded, and every mail of the
//     window is looked at again pass after pass;
//  3. it fetches their Message-ID fields alone (BODY.PEEK[HEADER.FIELDS
//     (MESSAGE-ID)]) and asks Inventory.Known which the store holds: those
//     are settled without fetching their bodies;
//  4. it fetches the others whole (a header for one over max_message_size),
//     asks Inventory.Stored, by source key, and hands those the store lacks
//     to the Handler, with Attempt MaxAttempts (a mail that cannot be stored
//     normally is stored as it is), in UID order; those of the mailbox's own
//     folder are then marked as after_import says (after Options.Durable).
//
// It never imports twice: the Handler dedupes by source key as always.
// frontdesk_imap_reconciled_total{mailbox,result} counts imported,
// already_stored and failed; a round that imports anything logs a warning,
// since something lost writes. An unavailable store ends a round, retried
// after Options.RetryDelay.
//
// # Redis keys
//
// All under PREFIX:imap:{NAME}: (one hash tag per mailbox, so each mailbox's
// keys share a Redis Cluster slot):
//
//	PREFIX:imap:{NAME}:lease     string  instance id of the poller holding the mailbox, with a TTL
//	PREFIX:imap:{NAME}:state     hash    uidvalidity, last_uid, last_date (unix seconds of the newest imported mail's INTERNALDATE)
//	PREFIX:imap:{NAME}:failures  hash    "UIDVALIDITY:UID" → handler failures so far; removed once the mail is imported
//	PREFIX:imap:{NAME}:reconcile hash    folder → "UIDVALIDITY:UID": the last UID reconciliation looked at in the pass under way
package imappoll
