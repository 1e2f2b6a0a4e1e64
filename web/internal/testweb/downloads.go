package testweb

import (
	"context"
	"slices"
	"sync"

	"frontdesk/web/front"
)

// Downloads is the media queue's dead list in memory, for the tests of the
// API and the UI on it: Dead are the downloads that gave up, Retried the ids
// tried again, in order.
type Downloads struct {
	mu      sync.Mutex
	Dead    []front.DeadDownload
	Retried []string
}

// DeadDownloads lists up to limit dead downloads and how many there are.
func (f *Downloads) DeadDownloads(_ context.Context, limit int) ([]front.DeadDownload, int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.Dead[:min(limit, len(f.Dead))]), len(f.Dead), nil
}

// take removes download id from the dead list, reporting whether it was there.
func (f *Downloads) take(id string) bool {
	for i, d := range f.Dead {
		if d.ID == id {
			f.Dead = slices.Delete(f.Dead, i, i+1)
			return true
		}
	}
	return false
}

// RetryDownload takes download id off the dead list and records it retried.
func (f *Downloads) RetryDownload(_ context.Context, id string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ok := f.take(id)
	if ok {
		f.Retried = append(f.Retried, id)
	}
	return ok, nil
}

// DismissDownload takes download id off the dead list.
func (f *Downloads) DismissDownload(_ context.Context, id string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.take(id), nil
}
