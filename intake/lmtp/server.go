// Package lmtp is push intake: a mail server (Postfix's lmtp: transport,
// Dovecot's LMTP proxy, any MTA speaking SMTP) delivers mail straight to
// frontdesk, over LMTP (RFC 2033) or SMTP (RFC 5321), instead of frontdesk
// polling a mailbox.
//
// A recipient is a configured mailbox's or queue's address (package
// intake/email resolves it); others are refused at RCPT with 550. After DATA
// the mail is filed through email.Importer.Deliver — the same parsing,
// threading, routing and acknowledgements as a mail an IMAP poller fetched,
// under the same source key, so that a mail delivered twice, or delivered
// and also fetched, is stored once. Only once the store has made the write
// durable (Store.Durable: fsync, WAITAOF or WAIT, as redis.min_replicas
// says) does a recipient hear 250; while Redis is unavailable it hears 451
// and the mail server keeps the mail and tries again.
//
// Hostile input is bounded: connections (lmtp.max_connections, further ones
// hear 421), recipients per transaction (lmtp.max_recipients, 452), line
// length (MaxLineLength), message size (lmtp.max_message_size, 552), the
// bytes held in memory at once by all transactions together (Options.
// MemoryBudget, 452 4.3.1 beyond it) and time (lmtp.timeout per command and
// for a message's data).
package lmtp

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/prometheus/client_golang/prometheus"

	"frontdesk/config"
	"frontdesk/intake/email"
	"frontdesk/internal/promreg"
)

// MaxLineLength is the longest line accepted, in commands and in a
// message's data: twice RFC 5321's 1000 (§4.5.3.1.6), as go-smtp has it.
// Postfix folds longer lines before it delivers (lmtp_line_length_limit,
// 998); a longer one ends the connection with 500.
const MaxLineLength = 2000

// Deliverer files one delivered mail for one recipient (email.Importer).
type Deliverer interface {
	Deliver(ctx context.Context, to email.Recipient, raw []byte, received time.Time) error
}

// Options configure a Server. A nil *Options is equivalent to a zero one.
type Options struct {
	Logger     *slog.Logger
	Registerer prometheus.Registerer
	// Durable waits until the writes made so far survive a crash of the
	// Redis host (redisstore.Store.Durable); nil trusts every write.
	Durable func(ctx context.Context) error
	// TLSConfig, when set, offers STARTTLS (from lmtp.tls_cert and
	// lmtp.tls_key).
	TLSConfig *tls.Config
	// StoreTimeout bounds the filing of one message, durability wait
	// included; past it the recipients hear 451. Default: 30s.
	StoreTimeout time.Duration
	// MemoryBudget bounds the bytes of messages being received and filed,
	// all connections together; a message that would exceed it hears 452
	// 4.3.1 and is tried again later. Default: 4 × lmtp.max_message_size,
	// at least 64MB.
	MemoryBudget int64
	// Domain is the name in the greeting. Default: the host name.
	Domain string
	// Now is the clock of the received time. Default: time.Now.
	Now func() time.Time
}

// Server accepts deliveries. Serve runs it; Shutdown stops it.
type Server struct {
	cfg      config.LMTP
	full     *config.Config
	deliver  Deliverer
	durable  func(ctx context.Context) error
	logger   *slog.Logger
	now      func() time.Time
	timeout  time.Duration
	budget   *budget
	srv      *smtp.Server
	metrics  *metrics
	shutdown chan struct{} // closed by Shutdown

	mu      sync.Mutex
	ln      net.Listener
	active  int           // transactions filing a message
	idle    chan struct{} // closed when closing and active is 0
	closing bool
}

// New returns the server of cfg.LMTP, filing mail through d.
func New(cfg *config.Config, d Deliverer, opts *Options) *Server {
	if opts == nil {
		opts = &Options{}
	}
	s := &Server{
		cfg: cfg.LMTP, full: cfg, deliver: d, durable: opts.Durable, logger: opts.Logger, now: opts.Now,
		timeout: opts.StoreTimeout, shutdown: make(chan struct{}), idle: make(chan struct{}),
		metrics: newMetrics(opts.Registerer),
	}
	if s.logger == nil {
		s.logger = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.timeout <= 0 {
		s.timeout = 30 * time.Second
	}
	mem := opts.MemoryBudget
	if mem <= 0 {
		mem = max(4*int64(cfg.LMTP.MaxMessageSize), 64<<20)
	}
	s.budget = &budget{limit: mem}
	domain := opts.Domain
	if domain == "" {
		domain, _ = os.Hostname()
	}
	if domain == "" {
		domain = "frontdesk"
	}
	srv := smtp.NewServer(smtp.BackendFunc(s.newSession))
	srv.LMTP = cfg.LMTP.Protocol == "lmtp"
	srv.Domain = domain
	srv.MaxRecipients = cfg.LMTP.MaxRecipients
	srv.MaxMessageBytes = int64(cfg.LMTP.MaxMessageSize)
	srv.MaxLineLength = MaxLineLength
	srv.ReadTimeout = cfg.LMTP.Timeout
	srv.WriteTimeout = cfg.LMTP.Timeout
	srv.TLSConfig = opts.TLSConfig
	srv.EnableSMTPUTF8 = true // the mail is stored as it comes
	srv.ErrorLog = errorLog{s.logger}
	s.srv = srv
	return s
}

// Serve accepts connections on ln until Shutdown; it returns nil then.
func (s *Server) Serve(ln net.Listener) error {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		_ = ln.Close()
		return nil
	}
	lim := newLimitListener(ln, s.cfg.MaxConnections, s.metrics, s.logger)
	s.ln = lim
	s.mu.Unlock()
	proto := "SMTP"
	if s.srv.LMTP {
		proto = "LMTP"
	}
	s.logger.Info("accepting mail", slog.String("protocol", proto), slog.String("listen", ln.Addr().String()),
		slog.Bool("starttls", s.srv.TLSConfig != nil))
	err := s.srv.Serve(lim)
	select {
	case <-s.shutdown:
		return nil
	default:
	}
	if err != nil {
		return fmt.Errorf("accept mail on %s: %w", ln.Addr(), err)
	}
	return nil
}

// Shutdown stops accepting connections, lets the messages being filed
// finish (their recipients hear the answer), until ctx ends, then closes
// every connection. A transaction that had not reached DATA ends without
// an answer; its mail server delivers it again later.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		return nil
	}
	s.closing = true
	close(s.shutdown)
	ln := s.ln
	if s.active == 0 {
		close(s.idle)
	}
	s.mu.Unlock()
	if ln != nil {
		_ = ln.Close()
	}
	var err error
	select {
	case <-s.idle:
	case <-ctx.Done():
		err = fmt.Errorf("stop accepting mail: %d deliveries cut off: %w", s.activeCount(), ctx.Err())
	}
	// Close ends the idle connections (a mail server keeps some open for
	// its next deliveries); its error is the listener's, closed above.
	_ = s.srv.Close()
	return err
}

func (s *Server) activeCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.active
}

// begin counts a transaction that files a message; false while shutting
// down.
func (s *Server) begin() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	s.active++
	return true
}

func (s *Server) end() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.active--
	if s.closing && s.active == 0 {
		close(s.idle)
	}
}

// newSession starts a session for a connection that said LHLO or EHLO.
func (s *Server) newSession(c *smtp.Conn) (smtp.Session, error) {
	return &session{s: s, conn: c}, nil
}

// errorLog passes go-smtp's complaints (a connection reset, a panic) to
// the log.
type errorLog struct{ logger *slog.Logger }

func (l errorLog) Printf(format string, v ...any) {
	msg := "lmtp: " + fmt.Sprintf(format, v...)
	if strings.HasPrefix(format, "panic") {
		l.logger.Error(msg)
		return
	}
	l.logger.Debug(msg)
}

func (l errorLog) Println(v ...any) { l.logger.Debug("lmtp: " + fmt.Sprint(v...)) }

// metrics are push intake's Prometheus metrics.
type metrics struct {
	recipients  *prometheus.CounterVec
	connections prometheus.Gauge
	refused     prometheus.Counter
	seconds     prometheus.Histogram
}

func newMetrics(reg prometheus.Registerer) *metrics {
	return &metrics{
		recipients: promreg.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "frontdesk_lmtp_recipients_total",
			Help: "Recipients of delivered mail, by answer: stored (250), unknown (550), too_large (552), unavailable (451: Redis), busy (452: memory budget), failed (451: could not be filed).",
		}, []string{"result"})),
		connections: promreg.Register(reg, prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "frontdesk_lmtp_connections", Help: "Connections of mail servers open now.",
		})),
		refused: promreg.Register(reg, prometheus.NewCounter(prometheus.CounterOpts{
			Name: "frontdesk_lmtp_connections_refused_total", Help: "Connections answered 421 because lmtp.max_connections were open.",
		})),
		seconds: promreg.Register(reg, prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "frontdesk_lmtp_store_seconds",
			Help:    "From a message's end of data to its answer: filing and the durability wait.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		})),
	}
}
