package store

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// putKey writes key=value into the bucket "kv".
func putKey(db *DB, key, value string) error {
	return db.Update(func(tx *Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte("kv"))
		if err != nil {
			return err
		}
		return b.Put([]byte(key), []byte(value))
	})
}

// keys lists the keys of the bucket "kv".
func keys(t *testing.T, db *DB) string {
	t.Helper()
	var out []string
	if err := db.View(func(tx *Tx) error {
		b := tx.tx.Bucket([]byte("kv"))
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, _ []byte) error { out = append(out, string(k)); return nil })
	}); err != nil {
		t.Fatal(err)
	}
	return strings.Join(out, ",")
}

func mustPut(t *testing.T, db *DB, key string) {
	t.Helper()
	if err := putKey(db, key, "v"); err != nil {
		t.Fatalf("put %s: %v", key, err)
	}
}

// A commit that fails after its log record was synced (here: bbolt cannot
// grow its file, as on a full disk) is taken back from the log: neither a
// crash nor a clean restart brings back a write its caller was told had
// failed, and the next write reuses its place.
func TestAFailedCommitDoesNotComeBack(t *testing.T) {
	dir := t.TempDir()
	db := openLoggedT(t, dir, Options{})
	mustPut(t, db, "before")
	size, err := db.Size()
	if err != nil {
		t.Fatal(err)
	}
	// Set under the writer lock, so the next commit sees it.
	db.bolt.Update(func(*bolt.Tx) error { db.bolt.MaxSize = int(size); return nil })
	err = putKey(db, "failed", strings.Repeat("x", 4<<20))
	if err == nil || !strings.Contains(err.Error(), "maximum size") {
		t.Fatalf("the oversized commit answered %v, want bbolt's maximum size error", err)
	}
	if got := keys(t, db); got != "before" {
		t.Fatalf("after the failed commit the store holds %q", got)
	}

	crashed := copyDir(t, dir)
	again := openLoggedT(t, crashed, Options{})
	if got := keys(t, again); got != "before" {
		t.Fatalf("after a crash the store holds %q, want only before", got)
	}
	again.Close()

	db.bolt.Update(func(*bolt.Tx) error { db.bolt.MaxSize = 0; return nil })
	mustPut(t, db, "after")
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	reopened := openLoggedT(t, dir, Options{})
	defer reopened.Close()
	if got := keys(t, reopened); got != "after,before" {
		t.Fatalf("after a restart the store holds %q, want after,before", got)
	}
}

var errIO = syscall.EIO

// After a failed fdatasync of the log, the kernel may have dropped what it
// could not write, and a later sync would succeed without it: the store
// refuses every later write, leaves its checkpoint and log for recovery,
// and the next open has every acknowledged write.
func TestAFailedLogSyncRefusesWritesUntilRestart(t *testing.T) {
	dir := t.TempDir()
	db := openLoggedT(t, dir, Options{})
	mustPut(t, db, "a")
	forceCheckpoint(t, db)
	mustPut(t, db, "b")

	db.wal.mu.Lock()
	sync := db.wal.sync
	db.wal.sync = func(*os.File) error { return errIO }
	db.wal.mu.Unlock()
	err := putKey(db, "c", "v")
	if err == nil || !strings.Contains(err.Error(), "sync "+filepath.Join(dir, LogFileName)+": input/output error") {
		t.Fatalf("the write with a failing sync answered %v", err)
	}
	db.wal.mu.Lock()
	db.wal.sync = sync
	db.wal.mu.Unlock()

	refusedThenRecovered(t, db, dir, "sync "+filepath.Join(dir, LogFileName)+": input/output error")
}

// refusedThenRecovered checks that db, which holds a and b, refuses writes
// after cause, and that after Close (which leaves the checkpoint) the
// store opens again with a and b and takes writes.
func refusedThenRecovered(t *testing.T, db *DB, dir, cause string) {
	t.Helper()
	err := putKey(db, "refused", "v")
	want := "store " + dir + " refuses writes after: " + cause + "; restart spk local, which recovers every acknowledged write from its log"
	if err == nil || err.Error() != want {
		t.Fatalf("a write after the failure answered\n%v\nwant\n%s", err, want)
	}
	if r := db.Refusing(); r == nil || r.Error() != want { // what spk local's health reports
		t.Fatalf("Refusing() = %v, want %s", r, want)
	}
	forceCheckpoint(t, db) // does nothing now: the checkpoint stays as it was
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, CheckpointFileName)); err != nil {
		t.Fatalf("Close after the failure removed the checkpoint: %v", err)
	}
	again := openLoggedT(t, dir, Options{})
	defer again.Close()
	if got := keys(t, again); got != "a,b" {
		t.Fatalf("after the restart the store holds %q, want a,b", got)
	}
	mustPut(t, again, "after")
}

// A checkpoint that fails before its file replaced the old one (a full
// disk: the temporary file cannot be written) changed nothing: the store
// keeps taking writes, the next checkpoint succeeds once it can, and a
// restart finds every write.
func TestACheckpointFailedBeforeItsRenameIsTriedAgain(t *testing.T) {
	dir := t.TempDir()
	db := openLoggedT(t, dir, Options{})
	mustPut(t, db, "a")
	// A directory where the temporary file goes: its open fails.
	blocker := filepath.Join(dir, CheckpointFileName+".tmp")
	if err := os.Mkdir(blocker, 0o700); err != nil {
		t.Fatal(err)
	}
	db.ckptMu.Lock()
	err := db.checkpoint(true)
	db.ckptMu.Unlock()
	if err == nil || !strings.Contains(err.Error(), "checkpoint: write "+filepath.Join(dir, CheckpointFileName)) {
		t.Fatalf("the checkpoint with its temporary file blocked answered %v", err)
	}
	mustPut(t, db, "b") // not refused
	if err := os.Remove(blocker); err != nil {
		t.Fatal(err)
	}
	forceCheckpoint(t, db)
	mustPut(t, db, "c")
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	again := openLoggedT(t, dir, Options{})
	defer again.Close()
	if got := keys(t, again); got != "a,b,c" {
		t.Fatalf("after the restart the store holds %q, want a,b,c", got)
	}
}

// A failed sync of the bbolt file at a checkpoint is not retried: the
// retry would succeed over pages the kernel dropped, and the checkpoint
// would then let the log start over without them.
func TestAFailedDataSyncRefusesWritesUntilRestart(t *testing.T) {
	dir := t.TempDir()
	db := openLoggedT(t, dir, Options{})
	mustPut(t, db, "a")
	db.ckptMu.Lock()
	db.syncData = func() error { return errIO }
	db.ckptMu.Unlock()
	mustPut(t, db, "b") // logged commits do not sync the bbolt file

	db.ckptMu.Lock()
	err := db.checkpoint(true)
	db.ckptMu.Unlock()
	wantCkpt := "checkpoint: sync " + filepath.Join(dir, FileName) + ": input/output error"
	if err == nil || err.Error() != wantCkpt {
		t.Fatalf("the checkpoint answered %v, want %s", err, wantCkpt)
	}
	refusedThenRecovered(t, db, dir, wantCkpt)
}

// Close's last sync covers every write it acknowledged: a writer that was
// queued behind it is refused, not committed after the sync.
func TestWritesAfterCloseSyncedAreRefused(t *testing.T) {
	dir := t.TempDir()
	db := openLoggedT(t, dir, Options{})
	mustPut(t, db, "a")
	db.ckptMu.Lock()
	err := db.closeClean()
	db.ckptMu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	if err := putKey(db, "late", "v"); !errors.Is(err, ErrClosed) {
		t.Fatalf("a write after Close's sync answered %v, want %v", err, ErrClosed)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := putKey(db, "later", "v"); !errors.Is(err, ErrClosed) {
		t.Fatalf("a write after Close answered %v, want %v", err, ErrClosed)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("a second Close answered %v", err)
	}
	again := openLoggedT(t, dir, Options{})
	defer again.Close()
	if got := keys(t, again); got != "a" {
		t.Fatalf("after the restart the store holds %q, want a", got)
	}
}

// failingReader fails every read, as a disk error would.
type failingReader struct{}

func (failingReader) ReadAt([]byte, int64) (int, error) { return 0, errIO }

// A log that cannot be read is not taken for one that ends there: the
// records after the failed read would be dropped.
func TestAFailedLogReadIsNotTheEndOfTheLog(t *testing.T) {
	_, _, _, err := readRecord(failingReader{}, 0, 1<<20, 0)
	if !errors.Is(err, errIO) {
		t.Fatalf("readRecord over a failing disk answered %v, want %v", err, errIO)
	}
}

func TestMissingDirsListsWhatMkdirAllCreates(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "a", "b", "c")
	want := []string{dir, filepath.Join(root, "a", "b"), filepath.Join(root, "a")}
	if got := missingDirs(dir); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("missingDirs = %q, want %q", got, want)
	}
	db := openLoggedT(t, dir, Options{})
	mustPut(t, db, "a")
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if got := missingDirs(dir); len(got) != 0 {
		t.Fatalf("missingDirs of an existing directory = %q", got)
	}
}

func TestFailNextCommitFailsOneCommitAndWritesNothing(t *testing.T) {
	dir := t.TempDir()
	db := openLoggedT(t, dir, Options{})
	defer db.Close()
	mustPut(t, db, "a")
	injected := errors.New("no space left on device")
	done := db.FailNextCommit(injected)
	if err := putKey(db, "b", "v"); !errors.Is(err, injected) {
		t.Fatalf("the write after FailNextCommit answered %v, want %v", err, injected)
	}
	<-done
	mustPut(t, db, "c")
	if got := keys(t, db); got != "a,c" {
		t.Fatalf("the store holds %q, want a,c", got)
	}
}
