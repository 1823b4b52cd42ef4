// Package store is the durable key-value store shared by the services of the
// local endpoint. It is a thin wrapper over bbolt: services use Update, View
// and Batch directly. Batch is the group commit: concurrent writers share one
// fsync, so durability does not cost throughput.
//
// Batch replaces bbolt's own: bbolt closes a batch after a fixed delay, so a
// lone writer always waits that delay and, under load, several small batches
// queue up for separate commits. Here a writer arriving while a commit is
// under way joins the next commit, and a lone writer commits at once.
//
// Each service keeps to its own top-level buckets, named with its prefix
// ("kinesis/…", "dynamodb/…").
package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// FileName is the name of the database file inside the data directory.
const FileName = "spk-local.db"

// DB is an open store. The embedded *bolt.DB gives Update, View and Batch.
type DB struct {
	*bolt.DB
	// InMemory reports whether the store keeps nothing after Close.
	InMemory bool
	tempDir  string

	groupMu    sync.Mutex
	pending    []call
	committing bool
}

// maxGroup bounds how many writers share one commit.
const maxGroup = 1000

type call struct {
	fn  func(*bolt.Tx) error
	err chan error
}

// Batch runs fn in a write transaction shared with concurrent callers, and
// returns once that transaction committed (or failed). As with bbolt's
// Batch, fn may run more than once and must only change the store through
// tx: when one caller's fn fails, the others are retried without it, and the
// failing fn runs alone so its error is its own.
func (db *DB) Batch(fn func(*bolt.Tx) error) error {
	c := call{fn: fn, err: make(chan error, 1)}
	db.groupMu.Lock()
	db.pending = append(db.pending, c)
	if !db.committing {
		db.committing = true
		go db.commitLoop()
	}
	db.groupMu.Unlock()
	return <-c.err
}

func (db *DB) commitLoop() {
	for {
		db.groupMu.Lock()
		calls := db.pending
		if len(calls) > maxGroup {
			calls, db.pending = calls[:maxGroup:maxGroup], calls[maxGroup:]
		} else {
			db.pending = nil
		}
		if len(calls) == 0 {
			db.committing = false
			db.groupMu.Unlock()
			return
		}
		db.groupMu.Unlock()
		db.commit(calls)
	}
}

func (db *DB) commit(calls []call) {
	for len(calls) > 0 {
		failed := -1
		err := db.DB.Update(func(tx *bolt.Tx) error {
			for i, c := range calls {
				if err := safeRun(c.fn, tx); err != nil {
					failed = i
					return err
				}
			}
			return nil
		})
		if failed < 0 {
			for _, c := range calls {
				c.err <- err
			}
			return
		}
		c := calls[failed]
		calls = append(calls[:failed:failed], calls[failed+1:]...)
		c.err <- db.DB.Update(func(tx *bolt.Tx) error { return safeRun(c.fn, tx) })
	}
}

// safeRun turns a panic in fn into an error, since fn runs on the commit
// goroutine rather than its caller's.
func safeRun(fn func(*bolt.Tx) error, tx *bolt.Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("transaction panicked: %v", p)
		}
	}()
	return fn(tx)
}

// Open opens (creating if needed) the store in dir. With inMemory the store
// lives in a temporary file without fsync that Close removes; dir is ignored.
func Open(dir string, inMemory bool) (*DB, error) {
	opts := &bolt.Options{Timeout: 2 * time.Second, FreelistType: bolt.FreelistMapType}
	var tempDir string
	if inMemory {
		d, err := os.MkdirTemp("", "spk-local-*")
		if err != nil {
			return nil, fmt.Errorf("create temporary store: %w", err)
		}
		tempDir, dir = d, d
		opts.NoSync = true
		opts.NoGrowSync = true
		opts.NoFreelistSync = true
	} else {
		if dir == "" {
			return nil, fmt.Errorf("open store: no data directory given; set a data directory or use in-memory mode")
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("create data directory %s: %w", dir, err)
		}
	}
	path := filepath.Join(dir, FileName)
	b, err := bolt.Open(path, 0o600, opts)
	if err != nil {
		if tempDir != "" {
			os.RemoveAll(tempDir)
		}
		if errors.Is(err, bolterrors.ErrTimeout) {
			return nil, fmt.Errorf("open store %s: it is locked by another process; stop the other spk local or use another data directory", path)
		}
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	return &DB{DB: b, InMemory: inMemory, tempDir: tempDir}, nil
}

// Close syncs and closes the store; an in-memory store is removed.
func (db *DB) Close() error {
	var syncErr error
	if !db.InMemory {
		syncErr = db.DB.Sync()
	}
	err := db.DB.Close()
	if db.tempDir != "" {
		os.RemoveAll(db.tempDir)
	}
	if err != nil {
		return err
	}
	return syncErr
}
