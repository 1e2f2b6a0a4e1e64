// Package testlog has what tests need to read logs that other goroutines
// are writing.
package testlog

import (
	"bytes"
	"strings"
	"sync"
)

// Buffer is a bytes.Buffer safe for writers and readers at once: give it to a
// slog handler or a process's output, read it with String or Count. The zero
// value is ready to use.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Count says how often substr occurs in what was written so far.
func (b *Buffer) Count(substr string) int { return strings.Count(b.String(), substr) }
