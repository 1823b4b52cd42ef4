// Package grouplog is the durable log of the benchmarks' bare endpoints:
// the least a durable endpoint can do, one fdatasync for every group of
// writes waiting on it.
package grouplog

import (
	"os"
	"sync"
)

// size is the preallocated file's size; records wrap around inside it.
const size = 256 << 20

// Log appends records to a preallocated file and makes them durable
// in groups: the first writer to wait while no sync runs writes and syncs
// everything appended so far; the others wait for it.
type Log struct {
	mu      sync.Mutex
	cond    *sync.Cond
	f       *os.File
	off     int64
	buf     []byte
	gen     uint64 // the generation being appended to
	synced  uint64 // the newest generation on disk
	syncing bool
	err     error
}

// Open creates the log file at path, preallocated.
func Open(path string) (*Log, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, err
	}
	// Preallocated and synced, so an fdatasync flushes data, not the size.
	if _, err := f.Write(make([]byte, size)); err != nil {
		return nil, err
	}
	if err := f.Sync(); err != nil {
		return nil, err
	}
	l := &Log{f: f, gen: 1}
	l.cond = sync.NewCond(&l.mu)
	return l, nil
}

// Append adds rec and returns the generation to wait for.
func (l *Log) Append(rec []byte) uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, rec...)
	return l.gen
}

// Wait returns once generation gen is on disk.
func (l *Log) Wait(gen uint64) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for l.synced < gen && l.err == nil {
		if l.syncing {
			l.cond.Wait()
			continue
		}
		l.syncing = true
		buf, g, off := l.buf, l.gen, l.off
		l.buf, l.gen, l.off = nil, l.gen+1, l.off+int64(len(buf))
		l.mu.Unlock()
		_, err := l.f.WriteAt(buf, off%(size-1<<20))
		if err == nil {
			err = fdatasync(l.f)
		}
		l.mu.Lock()
		l.syncing, l.synced, l.err = false, g, err
		l.cond.Broadcast()
	}
	return l.err
}
