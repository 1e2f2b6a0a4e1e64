package testweb

import (
	"context"
	"sync"

	"frontdesk/web/front"
)

// Downloads is the media queue's dead list in memory (front.Downloads):
// Dead are the downloads that gave up; one retried or dismissed leaves it.
type Downloads struct {
	mu      sync.Mutex
	Dead    []front.DeadDownload
	retried []string
}

// DeadDownloads returns the first limit of Dead and how many there are.
func (f *Downloads) DeadDownloads(_ context.Context, limit int) ([]front.DeadDownload, int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]front.DeadDownload(nil), f.Dead[:min(limit, len(f.Dead))]...), len(f.Dead), nil
}

func (f *Downloads) take(id string) bool {
	for i, d := range f.Dead {
		if d.ID == id {
			f.Dead = append(f.Dead[:i], f.Dead[i+1:]...)
			return true
		}
	}
	return false
}

// RetryDownload takes download id off Dead and notes it retried.
func (f *Downloads) RetryDownload(_ context.Context, id string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ok := f.take(id)
	if ok {
		f.retried = append(f.retried, id)
	}
	return ok, nil
}

// DismissDownload takes download id off Dead.
func (f *Downloads) DismissDownload(_ context.Context, id string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.take(id), nil
}

// Retried returns the ids retried so far, in order.
func (f *Downloads) Retried() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.retried...)
}
