package main

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"io"
	"io/fs"
	"log"
	"net"
	"sort"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
)

//go:embed demomail/*.eml
var demoMail embed.FS

// Demo mailbox credentials, for the in-process IMAP server.
const (
	demoIMAPUser     = "support@example.com"
	demoIMAPPassword = "demo"
)

// demoIMAP is an in-process IMAP server (go-imap's memory server) holding the
// demo's customer mail, polled by frontdesk like a real mailbox.
type demoIMAP struct {
	server *imapserver.Server
	user   *imapmemserver.User
	ln     net.Listener
	count  int // sample mails delivered at start
}

// startDemoIMAP starts the server on a free loopback port with the sample
// mails in INBOX.
func startDemoIMAP() (*demoIMAP, error) {
	mem := imapmemserver.New()
	user := imapmemserver.NewUser(demoIMAPUser, demoIMAPPassword)
	if err := user.Create("INBOX", nil); err != nil {
		return nil, fmt.Errorf("create demo INBOX: %w", err)
	}
	mem.AddUser(user)
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}, imap.CapIdle: {}, imap.CapMove: {}, imap.CapUIDPlus: {}},
		InsecureAuth: true, // loopback only
		Logger:       log.New(io.Discard, "", 0),
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen for demo IMAP: %w", err)
	}
	d := &demoIMAP{server: srv, user: user, ln: ln}
	go func() { _ = srv.Serve(ln) }()
	names, err := fs.Glob(demoMail, "demomail/*.eml")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	for _, name := range names {
		raw, err := demoMail.ReadFile(name)
		if err != nil {
			return nil, err
		}
		if err := d.deliver(raw); err != nil {
			return nil, fmt.Errorf("deliver %s: %w", name, err)
		}
		d.count++
	}
	return d, nil
}

// deliver appends a mail to INBOX, as an MTA would.
func (d *demoIMAP) deliver(raw []byte) error {
	_, err := d.user.Append("INBOX", bytes.NewReader(raw), &imap.AppendOptions{})
	return err
}

// trickle delivers a new customer mail every interval until ctx ends, so the
// demo shows mail arriving while frontdesk idles on the mailbox.
func (d *demoIMAP) trickle(ctx context.Context, every time.Duration) {
	customers := []string{"Dana Wu <dana@example.com>", "Eli Brandt <eli@example.net>", "Fatima Khan <fatima@example.org>"}
	questions := []string{"Where is my parcel?", "Can I change my delivery address?", "Do you ship to Norway?"}
	t := time.NewTicker(every)
	defer t.Stop()
	for n := 0; ; n++ {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			raw := fmt.Sprintf("From: %s\r\nTo: support@example.com\r\nSubject: %s\r\nDate: %s\r\n"+
				"Message-ID: <demo-%d-%d@example.com>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\nThanks!\r\n",
				customers[n%len(customers)], questions[n%len(questions)], now.Format(time.RFC1123Z), now.Unix(), n, questions[n%len(questions)])
			_ = d.deliver([]byte(raw))
		}
	}
}

func (d *demoIMAP) port() int { return d.ln.Addr().(*net.TCPAddr).Port }

func (d *demoIMAP) Close() error { return d.server.Close() }
