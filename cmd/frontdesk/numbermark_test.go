package main

import (
	"os"
	"path/filepath"
	"testing"

	"frontdesk/config"
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
