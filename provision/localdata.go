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

// CheckLocalData says whether RemoveLocalData would remove dir: it refuses
// while an endpoint holds the directory (the store's file lock says whether
// one does) and when it holds anything but what spk local writes there, so a
// data directory set by mistake to a directory of other files is refused,
// not emptied. A missing directory is fine. Teardown asks before it deletes
// anything, so a refusal leaves everything as it was.
func CheckLocalData(dir string) error {
	_, err := localDataEntries(dir)
	return err
}

// RemoveLocalData deletes the embedded endpoint's data directory when
// CheckLocalData allows it. A missing directory is not removed and is fine.
func RemoveLocalData(dir string) (removed bool, err error) {
	entries, err := localDataEntries(dir)
	if err != nil || entries == nil {
		return false, err
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

// localDataEntries lists dir's files when they may all be removed: nil
// when dir does not exist, an error when it must stay.
func localDataEntries(dir string) ([]os.DirEntry, error) {
	if dir == "" {
		return nil, errors.New("no data directory given")
	}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("remove local data %s: %w", dir, err)
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
		return nil, &Error{Op: "remove local data " + dir, Err: fmt.Errorf("%w (%s)", ErrForeignFiles, strings.Join(foreign, ", ")),
			Hint: "if it is spk's data directory, remove it yourself; otherwise point local.data_dir (--data-dir, SPK_LOCAL_DATA_DIR) at spk's own"}
	}
	path := filepath.Join(dir, store.FileName)
	if _, err := os.Stat(path); err == nil {
		db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 200 * time.Millisecond, ReadOnly: true})
		if errors.Is(err, berrors.ErrTimeout) {
			return nil, &Error{Op: "remove local data " + dir, Err: ErrEndpointRunning, Hint: "stop spk local (or spk up) first, then run teardown --local-data again: the resources go with the data"}
		}
		if err == nil {
			db.Close()
		}
	}
	if entries == nil {
		entries = []os.DirEntry{}
	}
	return entries, nil
}
