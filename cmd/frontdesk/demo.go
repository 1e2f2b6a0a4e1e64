package main

import (
	"context"
	_ "embed"
	"flag"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/alicebob/miniredis/v2"

	"frontdesk/config"
	"frontdesk/ticket"
)

//go:embed demo.yaml
var demoConfig []byte

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
	listen := fs.String("listen", "127.0.0.1:8025", "HTTP address (port 0 picks a free one)")
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
	env := map[string]string{
		"DEMO_REDIS_URL": "redis://" + mr.Addr() + "/0", "DEMO_LISTEN": *listen,
		"DEMO_IMAP_PORT": strconv.Itoa(mailbox.port()),
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
	fmt.Fprint(stdout, demoBanner)
	if err := seedDemo(ctx, a.store, stdout); err != nil {
		fmt.Fprintf(stderr, "frontdesk: demo tickets: %v\n", err)
		return exitFailure
	}
	url := "http://" + ln.Addr().String()
	fmt.Fprintf(stdout, "\n  Mail: %d sample mails wait in an in-process IMAP mailbox (127.0.0.1:%d,\n  user %s, password %s); frontdesk imports them like a real one,\n  and a new customer mail arrives every minute.\n",
		mailbox.count, mailbox.port(), demoIMAPUser, demoIMAPPassword)
	fmt.Fprintf(stdout, "\n  frontdesk is running at %s\n    %s/healthz  %s/readyz  %s/metrics\n  Ctrl-C stops it.\n\n", url, url, url, url)
	go mailbox.trickle(ctx, time.Minute)
	if err := a.run(ctx, ln); err != nil {
		fmt.Fprintf(stderr, "frontdesk: %v\n", err)
		return exitFailure
	}
	return exitOK
}

// seedDemo stores the phone channel's sample tickets (a text and a voicemail),
// through the same store calls intake makes, and prints them. The mail samples
// arrive through IMAP instead.
func seedDemo(ctx context.Context, store ticket.Store, out io.Writer) error {
	samples := []ticket.NewTicket{
		{
			Channel: ticket.ChannelSMS, Queue: "phone", Subject: "SMS from +15555550123",
			Customer: ticket.Customer{Phone: "+15555550123"},
			Message: ticket.NewMessage{
				SourceKey: "demo:twilio:SM0001", Kind: ticket.KindSMS, From: "+15555550123", To: []string{"+15555550100"},
				Text: "Is the shop open on Saturday?", By: "intake:twilio",
			},
		},
		{
			Channel: ticket.ChannelVoice, Queue: "phone", Subject: "Voicemail from +15555550199",
			Customer: ticket.Customer{Phone: "+15555550199"},
			Message: ticket.NewMessage{
				SourceKey: "demo:twilio:RE0001", Kind: ticket.KindVoicemail, From: "+15555550199", To: []string{"+15555550100"},
				Text: "Hi, this is Carla, please call me back about my repair.", By: "intake:twilio",
				Meta: map[string]string{"duration": "14", "transcription": "completed"},
			},
		},
	}
	fmt.Fprintln(out, "  Sample phone tickets:")
	for _, nt := range samples {
		r, err := store.Create(ctx, nt)
		if err != nil {
			return fmt.Errorf("create %q: %w", nt.Subject, err)
		}
		fmt.Fprintf(out, "    #%s  %-6s %-8s %s\n", r.TicketID, nt.Channel, nt.Queue, nt.Subject)
	}
	return nil
}
