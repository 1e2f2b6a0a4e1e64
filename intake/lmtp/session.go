package lmtp

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"time"

	"github.com/emersion/go-smtp"

	"frontdesk/fault"
	"frontdesk/intake/email"
)

// The answers, with RFC 3463 enhanced status codes.
var (
	errUnknownRecipient = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1},
		Message: "No such recipient here: not a mailbox or queue address of this desk"}
	// errNeedTLS is temporary, not RFC 3207's 530: a mail server not
	// yet set up for TLS keeps the mail until it is, instead of bouncing it.
	errNeedTLS = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 7, 0},
		Message: "Must issue a STARTTLS command first"}
	errUnavailable = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0},
		Message: "Mail not stored: the ticket store is unavailable; try again later"}
	errNotFiled = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0},
		Message: "Mail not stored: local error; try again later"}
	errBusy = &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 3, 1},
		Message: "Insufficient system storage: too much mail at once; try again later"}
	errShuttingDown = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 2},
		Message: "Shutting down; try again later"}
	errLineTooLong = &smtp.SMTPError{Code: 500, EnhancedCode: smtp.EnhancedCode{5, 5, 2},
		Message: "Line too long"}
	// stored is 250: the mail is filed and durable.
	stored = &smtp.SMTPError{Code: 250, EnhancedCode: smtp.EnhancedCode{2, 0, 0}, Message: "Stored"}
)

// session is one connection's state: the transaction under way.
type session struct {
	s     *Server
	conn  *smtp.Conn
	from  string
	size  int64       // the SIZE the client announced, 0 when none
	rcpts []recipient // in RCPT order, as go-smtp wants the statuses
}

type recipient struct {
	addr string // as given in RCPT TO, for StatusCollector
	to   email.Recipient
}

var (
	_ smtp.Session     = (*session)(nil)
	_ smtp.LMTPSession = (*session)(nil)
)

func (ss *session) Reset() {
	ss.from, ss.size, ss.rcpts = "", 0, nil
}

func (ss *session) Logout() error { return nil }

// Mail starts a transaction; with lmtp.require_tls only over TLS.
func (ss *session) Mail(from string, opts *smtp.MailOptions) error {
	if ss.s.cfg.RequireTLS {
		if _, ok := ss.conn.TLSConnectionState(); !ok {
			return errNeedTLS
		}
	}
	ss.from, ss.size, ss.rcpts = from, 0, nil
	if opts != nil {
		ss.size = opts.Size
	}
	return nil
}

// Rcpt accepts a mailbox's or queue's address, and refuses any other with
// 550 now, before the data: the mail server bounces that recipient's copy
// at once (no backscatter from frontdesk).
func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	r, ok := email.ResolveRecipient(ss.s.full, to)
	if !ok {
		ss.s.metrics.recipients.WithLabelValues("unknown").Inc()
		return errUnknownRecipient
	}
	ss.rcpts = append(ss.rcpts, recipient{addr: to, to: r})
	return nil
}

// Data files the message for SMTP: one answer for all recipients, 250 only
// when it is stored for every one of them (a retry stores the others once).
func (ss *session) Data(r io.Reader) error {
	for _, err := range ss.file(r) {
		if err != stored {
			return err
		}
	}
	return stored
}

// LMTPData files the message for LMTP: one answer per recipient (RFC 2033
// §4.2).
func (ss *session) LMTPData(r io.Reader, status smtp.StatusCollector) error {
	for i, err := range ss.file(r) {
		status.SetStatus(ss.rcpts[i].addr, err)
	}
	return nil
}

// file reads the message and files it once per distinct recipient, then
// waits until the writes are durable; it returns each recipient's answer.
func (ss *session) file(r io.Reader) []error {
	answers := make([]error, len(ss.rcpts))
	fill := func(err error, result string) []error {
		for i := range answers {
			answers[i] = err
		}
		ss.s.metrics.recipients.WithLabelValues(result).Add(float64(len(answers)))
		return answers
	}
	if !ss.s.begin() {
		_, _ = io.Copy(io.Discard, r)
		return fill(errShuttingDown, "failed")
	}
	defer ss.s.end()
	raw, reserved, err := ss.read(r)
	defer ss.s.budget.give(reserved)
	switch {
	case errors.Is(err, errBusy):
		ss.s.logger.Warn("delivered mail deferred: too much mail in memory at once", slog.String("from", ss.from))
		return fill(errBusy, "busy")
	case errors.Is(err, smtp.ErrDataTooLarge):
		return fill(smtp.ErrDataTooLarge, "too_large")
	case errors.Is(err, smtp.ErrTooLongLine):
		return fill(errLineTooLong, "failed")
	case err != nil:
		ss.s.logger.Debug("delivered mail not received", slog.String("from", ss.from), slog.Any("error", err))
		return fill(errNotFiled, "failed")
	}

	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), ss.s.timeout)
	defer cancel()
	received := ss.s.now()
	results := map[email.Recipient]error{}
	anyStored := false
	for _, rc := range ss.rcpts {
		if _, done := results[rc.to]; done {
			continue
		}
		err := ss.s.deliver.Deliver(ctx, rc.to, raw, received)
		results[rc.to] = err
		anyStored = anyStored || err == nil
	}
	var durErr error
	if anyStored && ss.s.durable != nil {
		durErr = ss.s.durable(ctx)
	}
	for i, rc := range ss.rcpts {
		err := results[rc.to]
		if err == nil {
			err = durErr
		}
		answers[i] = ss.answer(rc, err)
	}
	ss.s.metrics.seconds.Observe(time.Since(start).Seconds())
	return answers
}

// answer is a recipient's answer for the outcome of filing its mail, and
// counts it.
func (ss *session) answer(rc recipient, err error) error {
	switch {
	case err == nil:
		ss.s.metrics.recipients.WithLabelValues("stored").Inc()
		return stored
	case fault.IsUnavailable(err) || errors.Is(err, context.DeadlineExceeded):
		ss.s.metrics.recipients.WithLabelValues("unavailable").Inc()
		ss.s.logger.Warn("delivered mail deferred: the ticket store is unavailable", slog.String("to", rc.addr),
			slog.String("from", ss.from), slog.Any("error", err))
		return errUnavailable
	}
	ss.s.metrics.recipients.WithLabelValues("failed").Inc()
	ss.s.logger.Error("delivered mail not filed", slog.String("to", rc.addr), slog.String("from", ss.from),
		slog.Any("error", err))
	return errNotFiled
}

// minRead is the smallest buffer a message is read into.
const minRead = 16 << 10

// maxAhead is the most reserved for a message before its data arrives,
// whatever SIZE its client announced: a client that announces a large SIZE
// and then stalls must not hold the budget the others' mail needs. Past it
// the buffer doubles as the data comes, so what a transaction holds stays
// within twice what it has sent (or maxAhead).
const maxAhead = 64 << 10

// read reads the whole message (go-smtp's reader stops it at
// lmtp.max_message_size with ErrDataTooLarge) straight into one buffer,
// sized by the SIZE the client announced when it did, up to maxAhead,
// reserving the memory it takes from the server's budget: reserved is what
// the caller gives back. Past the budget it fails with errBusy and leaves
// the rest to go-smtp, which reads it to its end without keeping it.
func (ss *session) read(r io.Reader) (raw []byte, reserved int64, err error) {
	limit := int(ss.s.srv.MaxMessageBytes) + 1 // room to see the end, or one byte too many
	grow := func(want int) bool {
		want = min(max(want, minRead), limit)
		if !ss.s.budget.take(int64(want - cap(raw))) {
			return false
		}
		reserved += int64(want - cap(raw))
		grown := make([]byte, len(raw), want)
		copy(grown, raw)
		raw = grown
		return true
	}
	if !grow(int(min(ss.size+1024, maxAhead))) {
		return nil, reserved, errBusy
	}
	for {
		if len(raw) == cap(raw) && !grow(2*cap(raw)) {
			return nil, reserved, errBusy
		}
		n, rerr := r.Read(raw[len(raw):cap(raw)])
		raw = raw[:len(raw)+n]
		if rerr == io.EOF {
			return raw, reserved, nil
		}
		if rerr != nil {
			return nil, reserved, rerr
		}
	}
}
