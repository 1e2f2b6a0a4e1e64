// Package corpora finds the real-world test mail kept beside the repository,
// at ../shared/corpora from its root (written by other projects, kept with
// their licences, never copied into the repository).
package corpora

import (
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the folder of corpus name ("bounces-sisimai"). When it is
// absent the test is skipped, or fails under CI=true, where the corpora must
// be present.
func Dir(t testing.TB, name string) string {
	t.Helper()
	dir, err := find(name)
	if err == nil {
		return dir
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("corpus %s is missing (CI=true needs ../shared/corpora beside the repository): %v", name, err)
	}
	t.Skipf("corpus %s not present: %v", name, err)
	return ""
}

// Optional is Dir for a test that also checks other things: when the corpus
// is absent it returns "" (and the test goes on without it), except under
// CI=true, where it fails.
func Optional(t testing.TB, name string) string {
	t.Helper()
	dir, err := find(name)
	if err != nil && os.Getenv("CI") == "true" {
		t.Fatalf("corpus %s is missing (CI=true needs ../shared/corpora beside the repository): %v", name, err)
	}
	return dir
}

func find(name string) (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(root, "..", "shared", "corpora", name)
	if _, err := os.Stat(dir); err != nil {
		return "", err
	}
	return dir, nil
}

// moduleRoot is the folder of the go.mod above the working directory.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", os.ErrNotExist
		}
		dir = parent
	}
}
