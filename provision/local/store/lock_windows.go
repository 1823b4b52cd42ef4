package store

import (
	"errors"
	"os"
	"time"
)

// LockFileName is unused on Windows, where the store keeps no log.
const LockFileName = "spk-local.lock"

var errHeld = errors.New("lock held")

func lockDir(string, time.Duration) (func(), error) {
	return nil, errors.New("no write-ahead log on Windows")
}

// releaseFileLock is a no-op on Windows, where bbolt's lock ends with the
// file's handle.
func releaseFileLock(*os.File) {}
