// Package spool keeps, on the local disk, inputs that frontdesk has told
// their source are done but could not yet store in Redis: Twilio's webhooks
// during a Redis outage or failover. An entry is on disk, fsynced, before
// Append returns; entries come back oldest first; an entry leaves the spool
// only when its reader removes it, after the input is stored for good.
//
// A spool is one file, a bbolt database (go.etcd.io/bbolt), that one
// process at a time may open: it is the instance's own, on its own disk.
// Entries are keyed by a sequence number that only grows, so the order of
// the keys is the order of arrival. An entry that cannot be stored however
// often it is tried can be set aside: it leaves the queue but stays in the
// file, counted against the size limit, for a person.
package spool

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"frontdesk/fault"
)

// DefaultMaxSize is Options.MaxSize's default: 100 MB of entries.
const DefaultMaxSize = 100_000_000

// DefaultLockTimeout is Options.LockTimeout's default.
const DefaultLockTimeout = 2 * time.Second

// ErrFull is returned by Append when the entry would take the spool beyond
// its size limit. It is a fault.ErrTooLarge.
var ErrFull = fmt.Errorf("spool full: %w", fault.ErrTooLarge)

var (
	bucketPending = []byte("pending")
	bucketAside   = []byte("aside")
)

// Options configure Open. A nil *Options is equivalent to a zero one.
type Options struct {
	// MaxSize bounds the bytes of the entries held, pending and set aside
	// together. Default: DefaultMaxSize.
	MaxSize int64
	// LockTimeout is how long Open waits for another process to let go of
	// the file. Default: DefaultLockTimeout.
	LockTimeout time.Duration
}

// Entry is one spooled input.
type Entry struct {
	// ID is its sequence number: a later entry has a higher one.
	ID   uint64
	Data []byte
}

// Spool is an open spool file. Its methods are safe for concurrent use.
type Spool struct {
	db   *bolt.DB
	path string
	max  int64

	mu      sync.Mutex
	size    int64 // bytes of the entries held, pending and aside
	pending int
	aside   int

	appended chan struct{} // a token when an entry was appended
}

// Open opens the spool file path, creating it and its directory (mode 0700)
// when they do not exist, and counts what it holds. Only one process at a
// time may have a spool open; Open fails when another holds it for longer
// than the lock timeout.
func Open(path string, opts *Options) (*Spool, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.MaxSize <= 0 {
		o.MaxSize = DefaultMaxSize
	}
	if o.LockTimeout <= 0 {
		o.LockTimeout = DefaultLockTimeout
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create spool directory %s: %w", dir, err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: o.LockTimeout})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, fmt.Errorf("open spool %s: another process has it open (each instance needs a spool of its own)", path)
	}
	if err != nil {
		return nil, fmt.Errorf("open spool %s: %w", path, err)
	}
	// The file's name in its directory must survive a crash too.
	if err := syncDir(dir); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open spool %s: %w", path, err)
	}
	s := &Spool{db: db, path: path, max: o.MaxSize, appended: make(chan struct{}, 1)}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketPending, bucketAside} {
			b, err := tx.CreateBucketIfNotExists(name)
			if err != nil {
				return err
			}
			n := 0
			err = b.ForEach(func(_, v []byte) error {
				n++
				s.size += int64(len(v))
				return nil
			})
			if err != nil {
				return err
			}
			if string(name) == string(bucketPending) {
				s.pending = n
			} else {
				s.aside = n
			}
		}
		return nil
	})
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("read spool %s: %w", path, err)
	}
	return s, nil
}

// syncDir fsyncs a directory, so that the names in it are on disk.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// Path is the spool's file.
func (s *Spool) Path() string { return s.path }

// Close closes the file. Entries not removed stay in it for the next Open.
func (s *Spool) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close spool %s: %w", s.path, err)
	}
	return nil
}

// Append adds data as the newest entry. When it returns nil the entry is
// on disk (fsynced) and survives a crash of the process or the host.
// Concurrent appends share one write and one fsync. An entry that would
// take the spool beyond its size limit is refused with ErrFull.
func (s *Spool) Append(data []byte) error {
	n := int64(len(data))
	s.mu.Lock()
	if s.size+n > s.max {
		size := s.size
		s.mu.Unlock()
		return fmt.Errorf("append %d bytes to spool %s (%d of %d bytes held): %w", n, s.path, size, s.max, ErrFull)
	}
	s.size += n // reserved: concurrent appends cannot all pass the check
	s.mu.Unlock()
	err := s.db.Batch(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketPending)
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		return b.Put(key(seq), data)
	})
	s.mu.Lock()
	if err != nil {
		s.size -= n
	} else {
		s.pending++
	}
	s.mu.Unlock()
	if err != nil {
		return fmt.Errorf("append to spool %s: %w", s.path, err)
	}
	select {
	case s.appended <- struct{}{}:
	default:
	}
	return nil
}

// Appended receives a value after entries were appended (at most one
// waits): a reader that found the spool empty waits on it.
func (s *Spool) Appended() <-chan struct{} { return s.appended }

// Oldest returns up to n entries, oldest first, without removing them.
func (s *Spool) Oldest(n int) ([]Entry, error) {
	var out []Entry
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketPending).Cursor()
		for k, v := c.First(); k != nil && len(out) < n; k, v = c.Next() {
			out = append(out, Entry{ID: binary.BigEndian.Uint64(k), Data: append([]byte(nil), v...)})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read spool %s: %w", s.path, err)
	}
	return out, nil
}

// Remove deletes the given entries, in one write, fsynced. Entries no longer
// held are passed over.
func (s *Spool) Remove(ids ...uint64) error {
	if len(ids) == 0 {
		return nil
	}
	var freed int64
	var removed int
	err := s.db.Update(func(tx *bolt.Tx) error {
		freed, removed = 0, 0
		b := tx.Bucket(bucketPending)
		for _, id := range ids {
			k := key(id)
			v := b.Get(k)
			if v == nil {
				continue
			}
			freed += int64(len(v))
			removed++
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("remove %d entries from spool %s: %w", len(ids), s.path, err)
	}
	s.mu.Lock()
	s.size -= freed
	s.pending -= removed
	s.mu.Unlock()
	return nil
}

// SetAside moves an entry out of the queue, keeping it in the file (and
// counted against the size limit) for a person to look at.
func (s *Spool) SetAside(id uint64) error {
	moved := false
	err := s.db.Update(func(tx *bolt.Tx) error {
		moved = false
		k := key(id)
		v := tx.Bucket(bucketPending).Get(k)
		if v == nil {
			return nil
		}
		if err := tx.Bucket(bucketAside).Put(k, append([]byte(nil), v...)); err != nil {
			return err
		}
		moved = true
		return tx.Bucket(bucketPending).Delete(k)
	})
	if err != nil {
		return fmt.Errorf("set entry %d of spool %s aside: %w", id, s.path, err)
	}
	if moved {
		s.mu.Lock()
		s.pending--
		s.aside++
		s.mu.Unlock()
	}
	return nil
}

// Stats is what a spool holds.
type Stats struct {
	// Pending is the number of entries waiting to be read and removed.
	Pending int
	// Aside is the number of entries set aside.
	Aside int
	// Size is the bytes of all entries held; MaxSize the limit.
	Size, MaxSize int64
}

// Stats returns what the spool holds now.
func (s *Spool) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Stats{Pending: s.pending, Aside: s.aside, Size: s.size, MaxSize: s.max}
}

func key(id uint64) []byte {
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], id)
	return k[:]
}
