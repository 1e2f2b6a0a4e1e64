// Package testbinary builds the frontdesk binary once for a package of
// end-to-end tests, from its TestMain.
package testbinary

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Run builds ./cmd/frontdesk into a temporary directory, sets *path to the
// binary, runs the package's tests and returns their exit code (1, with the
// reason on stderr, when the build fails). Use it as
// os.Exit(testbinary.Run(m, &binary)).
func Run(m *testing.M, path *string) int {
	dir, err := os.MkdirTemp("", "frontdesk-bin-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "testbinary: %v\n", err)
		return 1
	}
	defer os.RemoveAll(dir)
	*path = filepath.Join(dir, "frontdesk")
	goBin, err := exec.LookPath("go")
	if err != nil {
		fmt.Fprintf(os.Stderr, "testbinary: go not found to build frontdesk: %v\n", err)
		return 1
	}
	build := exec.Command(goBin, "build", "-o", *path, "frontdesk/cmd/frontdesk")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "testbinary: build frontdesk: %v\n", err)
		return 1
	}
	return m.Run()
}
