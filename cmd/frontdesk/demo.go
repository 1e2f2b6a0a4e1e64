package main

import (
	"bytes"
	"context"
	"crypto/rand"
	_ "embed"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	netmail "net/mail"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/alicebob/miniredis/v2"

	"frontdesk/accounts"
	"frontdesk/config"
	"frontdesk/responders/smtpsink"
)

//go:embed demo.yaml
var demoConfig []byte

//go:embed demo_rules.yaml
var demoRules []byte

const demoBanner = `
  ============================================================
   frontdesk DEMO - everything lives in memory, NOTHING IS KEPT
   Stop it (Ctrl-C) and every ticket is gone.
  ============================================================
`

// runDemo runs frontdesk with nothing installed: an embedded in-memory Redis
// (miniredis) and sample tickets. It grows as intake, routing, responders and
// the UI land.
func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:8025", "HTTP address (port 0 picks a free one; beyond loopback the password is random)")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return exitUsage
	}
	mr := miniredis.NewMiniRedis()
	if err := mr.StartAddr("127.0.0.1:0"); err != nil {
		fmt.Fprintf(stderr, "frontdesk: start in-memory redis: %v\n", err)
		return exitFailure
	}
	defer mr.Close()
	mailbox, err := startDemoIMAP()
	if err != nil {
		fmt.Fprintf(stderr, "frontdesk: %v\n", err)
		return exitFailure
	}
	defer mailbox.Close()
	var printMu sync.Mutex
	sink, err := smtpsink.Start(func(m smtpsink.Received) {
		msg, err := netmail.ReadMessage(bytes.NewReader(m.Data))
		if err != nil {
			return
		}
		printMu.Lock()
		defer printMu.Unlock()
		subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
		if err != nil {
			subject = msg.Header.Get("Subject")
		}
		fmt.Fprintf(stdout, "  [demo SMTP sink] mail to %s: %s\n", strings.Join(m.To, ", "), subject)
	})
	if err != nil {
		fmt.Fprintf(stderr, "frontdesk: start the demo SMTP sink: %v\n", err)
		return exitFailure
	}
	defer sink.Close()
	media, stopMedia, err := startDemoMedia(func(to, body string) {
		printMu.Lock()
		defer printMu.Unlock()
		fmt.Fprintf(stdout, "  [demo Twilio] SMS to %s: %s\n", to, body)
	})
	if err != nil {
		fmt.Fprintf(stderr, "frontdesk: %v\n", err)
		return exitFailure
	}
	defer stopMedia()
	spoolDir, err := os.MkdirTemp("", "frontdesk-demo-spool-")
	if err != nil {
		fmt.Fprintf(stderr, "frontdesk: demo spool: %v\n", err)
		return exitFailure
	}
	defer os.RemoveAll(spoolDir)
	addr, err := concreteAddr(*listen)
	if err != nil {
		fmt.Fprintf(stderr, "frontdesk: listen on %s: %v (try -listen 127.0.0.1:0)\n", *listen, err)
		return exitFailure
	}
	env := map[string]string{
		"DEMO_REDIS_URL": "redis://" + mr.Addr() + "/0", "DEMO_LISTEN": addr,
		"DEMO_PUBLIC_URL": "http://" + addr, "DEMO_IMAP_PORT": strconv.Itoa(mailbox.port()),
		"DEMO_TWILIO_API": media, "DEMO_ACCOUNT_SID": demoAccountSID, "DEMO_AUTH_TOKEN": demoAuthToken,
		"DEMO_NUMBER": demoNumber, "DEMO_SMTP_PORT": strconv.Itoa(sink.Port()), "DEMO_SPOOL_DIR": spoolDir,
	}
	cfg, err := config.Parse(demoConfig, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		fmt.Fprintf(stderr, "frontdesk: demo configuration: %v\n", err)
		return exitFailure
	}
	a, ln, closeApp, err := openApp(cfg, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "frontdesk: %v (try -listen 127.0.0.1:0)\n", err)
		return exitFailure
	}
	defer closeApp()
	if _, err := a.rules.Replace(ctx, demoRules, "demo"); err != nil {
		fmt.Fprintf(stderr, "frontdesk: demo rules: %v\n", err)
		return exitFailure
	}
	fmt.Fprint(stdout, demoBanner)
	url := "http://" + ln.Addr().String()
	users := accounts.New(a.rdb, cfg.Redis.Prefix)
	password := demoPassword(ln.Addr())
	fmt.Fprintf(stdout, "  Web UI: open %s/ and sign in (name / password), or use the API with a token:\n", url)
	for _, u := range []struct {
		name string
		role accounts.Role
	}{{"ann", accounts.RoleAssistant}, {"max", accounts.RoleManager}} {
		token, err := users.Add(ctx, u.name, u.role, password)
		if err != nil {
			fmt.Fprintf(stderr, "frontdesk: demo user %s: %v\n", u.name, err)
			return exitFailure
		}
		fmt.Fprintf(stdout, "    %-9s %s / %s   token %s\n", u.role, u.name, password, token)
	}
	if password != fixedDemoPassword {
		fmt.Fprintf(stdout, "  The demo listens beyond loopback (%s): whoever reaches it can sign in,\n"+
			"  so its password is random, not the README's %q.\n", ln.Addr(), fixedDemoPassword)
	}
	fmt.Fprintf(stdout, "  Try: curl -H 'Authorization: Bearer TOKEN' %s/api/v1/tickets\n", url)
	fmt.Fprintf(stdout, "\n  Mail: %d sample mails wait in an in-process IMAP mailbox (127.0.0.1:%d,\n  user %s, password %s); frontdesk imports them like a real one,\n  and a new customer mail arrives every minute.\n",
		mailbox.count, mailbox.port(), demoIMAPUser, demoIMAPPassword)
	fmt.Fprintf(stdout, "\n  frontdesk is running at %s\n    web UI: %s/   %s/healthz  %s/readyz  %s/metrics\n  Ctrl-C stops it.\n\n", url, url, url, url, url)
	go mailbox.trickle(ctx, time.Minute)
	go func() {
		if err := simulatePhone(ctx, url, media, stdout); err != nil {
			a.logger.Error("demo phone simulation", slog.Any("error", err))
		}
	}()
	a.noNumberMark = true // nothing is kept
	if err := a.run(ctx, ln); err != nil {
		fmt.Fprintf(stderr, "frontdesk: %v\n", err)
		return exitFailure
	}
	return exitOK
}

// fixedDemoPassword is the demo users' password on loopback, as the
// README's quick start says.
const fixedDemoPassword = "demo-password"

// demoPassword is the demo users' password for a demo listening on addr:
// the fixed one while only this machine can reach it, else a random one
// (printed with the users), since a password in the README protects
// nothing on 0.0.0.0.
func demoPassword(addr net.Addr) string {
	if tcp, ok := addr.(*net.TCPAddr); ok && tcp.IP.IsLoopback() {
		return fixedDemoPassword
	}
	return rand.Text()
}
