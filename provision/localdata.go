package provision

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/spk-cli/spk/provision/local/store"
)

// ErrEndpointRunning is returned when the data directory is in use.
var ErrEndpointRunning = errors.New("the embedded endpoint is running with this data directory")

// ErrForeignFiles is returned when the data directory holds files spk
// local does not write.
var ErrForeignFiles = errors.New("it holds files spk local does not write")

// storeFiles are the names spk local keeps in its data directory.
var storeFiles = map[string]bool{
	store.FileName: true, store.LogFileName: true, store.LockFileName: true,
	store.CheckpointFileName: true, store.CheckpointFileName + ".tmp": true,
}

// RemoveLocalData deletes the embedded endpoint's data directory, but only
// when no endpoint holds it (the store's file lock says whether one does)
// and it holds nothing but what spk local writes there: a data directory
// set by mistake to a directory of other files is refused, not emptied.
// A missing directory is fine.
func RemoveLocalData(dir string) (removed bool, err error) {
	if dir == "" {
		return false, errors.New("no data directory given")
	}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("remove local data %s: %w", dir, err)
	}
	var foreign []string
	for _, e := range entries {
		if !storeFiles[e.Name()] {
			foreign = append(foreign, e.Name())
		}
	}
	if len(foreign) > 0 {
		if len(foreign) > 3 {
			foreign = append(foreign[:3], fmt.Sprintf("and %d more", len(foreign)-3))
		}
		return false, &Error{Op: "remove local data " + dir, Err: fmt.Errorf("%w (%s)", ErrForeignFiles, strings.Join(foreign, ", ")),
			Hint: "if it is spk's data directory, remove it yourself; otherwise point local.data_dir (--data-dir, SPK_LOCAL_DATA_DIR) at spk's own"}
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
	for _, e := range entries {
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, os.ErrNotExist) {
			return false, fmt.Errorf("remove local data %s: %w", dir, err)
		}
	}
	if err := os.Remove(dir); err != nil {
		return false, fmt.Errorf("remove local data %s: %w", dir, err)
	}
	return true, nil
}
