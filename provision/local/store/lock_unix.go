//go:build !windows

package store

import (
	"errors"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// LockFileName is the lock a logged store takes before it touches the
// bbolt file: recovery rewrites the file's meta pages before bbolt (and
// its own lock) opens it, so it must know no other process has it open.
const LockFileName = "spk-local.lock"

// lockDir takes the directory's lock, waiting up to timeout for another
// process to let go.
func lockDir(path string, timeout time.Duration) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(timeout)
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			return func() { f.Close() }, nil
		}
		if !errors.Is(err, unix.EWOULDBLOCK) || time.Now().After(deadline) {
			f.Close()
			if errors.Is(err, unix.EWOULDBLOCK) {
				return nil, errHeld
			}
			return nil, err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

var errHeld = errors.New("lock held")

// releaseFileLock lets go of bbolt's lock on f, where a panic inside
// bbolt.Open left it held: the file's mapping keeps it open past Close.
func releaseFileLock(f *os.File) { unix.Flock(int(f.Fd()), unix.LOCK_UN) }
