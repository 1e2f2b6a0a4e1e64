package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"frontdesk/config"
	"frontdesk/fault"
	"frontdesk/ticket"
)

func TestNumberMark(t *testing.T) {
	cfg := &config.Config{}
	cfg.Tickets.NumberMarkDir = t.TempDir()
	m := newNumberMark(cfg, "d1", "web-1")
	if m.path != filepath.Join(cfg.Tickets.NumberMarkDir, "ticket-number-web-1") {
		t.Fatalf("path %s", m.path)
	}
	if n, err := m.read(); n != 0 || err != nil {
		t.Fatalf("no file: %d %v", n, err)
	}
	if err := m.write(1042); err != nil {
		t.Fatal(err)
	}
	if n, err := m.read(); n != 1042 || err != nil {
		t.Fatalf("read back: %d %v", n, err)
	}
	// Another deployment's note (a fresh Redis) counts for nothing.
	if n, err := newNumberMark(cfg, "d2", "web-1").read(); n != 0 || err != nil {
		t.Fatalf("another deployment: %d %v", n, err)
	}
	if err := os.WriteFile(m.path, []byte("d1 x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := m.read(); err == nil {
		t.Fatal("a broken note is not an error")
	}
}

// A Redis restored from a backup that answers only after start-up: no ticket
// is made until the counter's guard has raised the counter above the
// numbers this instance noted — before, creation is unavailable (intake
// retries) — so no number is handed out twice.
func TestNoTicketBeforeTheCounterIsGuarded(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cfg, err := config.Parse([]byte(fmt.Sprintf("redis: {url: 'redis://%s/0', prefix: fd}\n", addr)), nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Tickets.NumberMarkDir = t.TempDir()
	rdb := redis.NewClient(&redis.Options{Addr: addr, DialTimeout: 100 * time.Millisecond, MaxRetries: -1})
	t.Cleanup(func() { rdb.Close() })
	a := newApp(cfg, slog.New(slog.DiscardHandler), rdb)
	// This instance handed out numbers up to 5000 in deployment d1.
	if err := newNumberMark(cfg, "d1", a.instance).write(5000); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel(); wg.Wait() })
	if _, err := a.beforeIntake(ctx, &wg, cancel); err != nil {
		t.Fatal(err)
	}
	mail := ticket.NewTicket{Channel: ticket.ChannelEmail, Queue: "support", Subject: "Hi",
		Customer: ticket.Customer{Email: "ann@example.org"},
		Message:  ticket.NewMessage{SourceKey: "mail:test:1", From: "ann@example.org", Text: "Hello"}}
	if _, err := a.gate.Create(ctx, mail); !fault.IsUnavailable(err) {
		t.Fatalf("create before the guard ran = %v, want unavailable", err)
	}
	// The restored Redis comes: deployment d1, its counter behind at 1200.
	m := miniredis.NewMiniRedis()
	if err := m.StartAddr(addr); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	m.Set("fd:{desk}:deployment", "d1")
	m.Set("fd:{desk}:seq:ticket", "1200")
	if !a.gate.closed.Load() {
		t.Fatal("the gate is open before the guard ran")
	}
	// Intake tries at once and again until it is taken: the first ticket
	// made must come after the guard.
	deadline := time.Now().Add(10 * time.Second)
	var r ticket.Receipt
	for {
		if r, err = a.gate.Create(ctx, mail); !fault.IsUnavailable(err) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no ticket could be made once Redis answered")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := strconv.Atoi(r.TicketID); n <= 5000 {
		t.Fatalf("the first ticket after the restore is %s, a number handed out before", r.TicketID)
	}
}
