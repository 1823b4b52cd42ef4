package provision

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/spk-cli/spk/provision/local/store"
)

// ErrEndpointRunning is returned when the data directory is in use.
var ErrEndpointRunning = errors.New("the embedded endpoint is running with this data directory")

// RemoveLocalData deletes the embedded endpoint's data directory, but only
// when no endpoint holds it: the store's file lock says whether one does.
// A missing directory is fine.
func RemoveLocalData(dir string) (removed bool, err error) {
	if dir == "" {
		return false, errors.New("no data directory given")
	}
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	path := filepath.Join(dir, store.FileName)
	if _, err := os.Stat(path); err == nil {
		db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 200 * time.Millisecond, ReadOnly: true})
		if errors.Is(err, berrors.ErrTimeout) {
			return false, &Error{Op: "remove local data " + dir, Err: ErrEndpointRunning, Hint: "stop spk local (or spk up) first, then run teardown again"}
		}
		if err == nil {
			db.Close()
		}
	}
	if err := os.RemoveAll(dir); err != nil {
		return false, fmt.Errorf("remove local data %s: %w", dir, err)
	}
	return true, nil
}
