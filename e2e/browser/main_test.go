package browser

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// binary is the frontdesk binary built by TestMain.
var binary string

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "frontdesk-browser-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "browser: %v\n", err)
		return 1
	}
	defer os.RemoveAll(dir)
	binary = filepath.Join(dir, "frontdesk")
	goBin, err := exec.LookPath("go")
	if err != nil {
		fmt.Fprintf(os.Stderr, "browser: go not found to build frontdesk: %v\n", err)
		return 1
	}
	build := exec.Command(goBin, "build", "-o", binary, "frontdesk/cmd/frontdesk")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "browser: build frontdesk: %v\n", err)
		return 1
	}
	return m.Run()
}
