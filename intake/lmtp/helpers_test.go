package lmtp

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"frontdesk/config"
	"frontdesk/desk"
	"frontdesk/intake/email"
	"frontdesk/internal/testredis"
	"frontdesk/ticket"
	"frontdesk/ticket/redisstore"
)

// testConfig serves a mailbox (whose mail IMAP might also fetch) and two
// queues by address.
const testConfig = `
mailboxes:
  - {name: support, host: imap.example.com, username: u, password: p, address: "Support <support@example.com>", queue: support}
queues:
  - {name: support, address: help@example.com, first_response: 4h}
  - {name: sales, address: sales@example.com}
lmtp: {listen: "127.0.0.1:0", max_message_size: 64KB, max_recipients: 5, max_connections: 4, timeout: 10s}
`

// harness is a running server over a real store.
type harness struct {
	srv      *Server
	addr     string
	store    *redisstore.Store
	importer *email.Importer
	cfg      *config.Config
	serveErr chan error
}

type harnessOpts struct {
	yaml  string        // extra configuration, replacing lmtp's line when it starts with "lmtp:"
	rdb   *redis.Client // else testredis.New
	opts  *Options      // server options
	store *redisstore.Options
}

func start(t testing.TB, ho harnessOpts) *harness {
	t.Helper()
	yaml := testConfig
	if ho.yaml != "" {
		if i := strings.Index(yaml, "lmtp:"); i >= 0 && strings.HasPrefix(ho.yaml, "lmtp:") {
			yaml = yaml[:i]
		}
		yaml += ho.yaml
	}
	cfg, err := config.Parse([]byte(yaml), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	rdb, prefix := ho.rdb, "fdtest-lmtp"
	if rdb == nil {
		r := testredis.New(t)
		rdb, prefix = r.Client, r.Prefix
	}
	so := ho.store
	if so == nil {
		so = &redisstore.Options{}
	}
	so.Prefix = prefix
	so.Logger = slog.New(slog.DiscardHandler)
	store := redisstore.New(rdb, so)
	logger := slog.New(slog.DiscardHandler)
	d := desk.New(store, cfg, &desk.Options{Logger: logger})
	im := email.NewImporter(d, &email.Options{Logger: logger})
	opts := ho.opts
	if opts == nil {
		opts = &Options{}
	}
	opts.Durable = store.Durable
	opts.Logger = logger
	srv := New(cfg, im, opts)
	ln, err := net.Listen("tcp", cfg.LMTP.Listen)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{srv: srv, addr: ln.Addr().String(), store: store, importer: im, cfg: cfg, serveErr: make(chan error, 1)}
	go func() { h.serveErr <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		if err := <-h.serveErr; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return h
}

// tickets lists every ticket, oldest first, with its messages.
func (h *harness) tickets(t testing.TB) []*ticket.Ticket {
	t.Helper()
	ctx := context.Background()
	p, err := h.store.List(ctx, ticket.ListFilter{Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	var out []*ticket.Ticket
	for i := len(p.Tickets) - 1; i >= 0; i-- {
		tk, err := h.store.Get(ctx, p.Tickets[i].ID)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, tk)
	}
	return out
}

// mail is a small message with the given Message-ID ("" for none).
func mail(id, subject, body string) string {
	var b strings.Builder
	b.WriteString("From: Ann Lee <ann@example.org>\r\nTo: support@example.com\r\n")
	if id != "" {
		fmt.Fprintf(&b, "Message-ID: <%s>\r\n", id)
	}
	fmt.Fprintf(&b, "Subject: %s\r\nDate: Wed, 02 Dec 2026 09:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n", subject, body)
	return b.String()
}
