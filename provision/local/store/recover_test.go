package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// copyDir copies the store's files, as a crash would leave them: the
// page cache's view, unsynced writes included.
func copyDir(t *testing.T, from string) string {
	t.Helper()
	to := t.TempDir()
	for _, name := range []string{FileName, LogFileName, CheckpointFileName} {
		src, err := os.Open(filepath.Join(from, name))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		dst, err := os.Create(filepath.Join(to, name))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(dst, src); err != nil {
			t.Fatal(err)
		}
		src.Close()
		dst.Close()
	}
	return to
}

func forceCheckpoint(t *testing.T, db *DB) {
	t.Helper()
	db.ckptMu.Lock()
	defer db.ckptMu.Unlock()
	if err := db.checkpoint(true); err != nil {
		t.Fatal(err)
	}
}

// writeGroups writes n keys from concurrent Batch callers, so they commit
// in groups, and overwrites and deletes some older keys as it goes.
func writeGroups(t *testing.T, db *DB, from, n int) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := from; i < from+n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs <- db.Batch(func(tx *Tx) error {
				b, err := tx.CreateBucketIfNotExists([]byte("groups"))
				if err != nil {
					return err
				}
				if err := b.Put(fmt.Appendf(nil, "g%04d", i), fmt.Appendf(nil, "%0500d", i)); err != nil {
					return err
				}
				if i%3 == 0 && i >= 10 {
					if err := b.Delete(fmt.Appendf(nil, "g%04d", i-10)); err != nil {
						return err
					}
				}
				_, err = b.NextSequence()
				return err
			})
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestRecoveryFromACrashAfterACheckpoint(t *testing.T) {
	dir := t.TempDir()
	db := openLoggedT(t, dir, Options{})
	defer db.Close()
	mutate(t, db)
	writeGroups(t, db, 0, 200)
	forceCheckpoint(t, db)
	// After the checkpoint: more groups, overwrites and deletes, whose
	// pages and metas reach the bbolt file unsynced.
	writeGroups(t, db, 200, 300)
	mutate2 := func(tx *Tx) error {
		if err := tx.DeleteBucket([]byte("a")); err != nil {
			return err
		}
		_, err := tx.CreateBucket([]byte("after"))
		return err
	}
	if err := db.Update(mutate2); err != nil {
		t.Fatal(err)
	}
	want := dump(t, db.bolt)

	crashed := copyDir(t, dir)
	// A power cut may also tear the meta pages written since.
	f, err := os.OpenFile(filepath.Join(crashed, FileName), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteAt(make([]byte, 2*db.pageSize), 0)
	f.Close()

	again := openLoggedT(t, crashed, Options{})
	if got := dump(t, again.bolt); got != want {
		t.Fatalf("after recovery:\n%.2000s\nwant:\n%.2000s", got, want)
	}
	// The recovered store goes on: LSNs follow, and it survives another crash.
	writeGroups(t, again, 500, 20)
	want = dump(t, again.bolt)
	twice := copyDir(t, crashed)
	if err := again.Close(); err != nil {
		t.Fatal(err)
	}
	third := openLoggedT(t, twice, Options{})
	defer third.Close()
	if got := dump(t, third.bolt); got != want {
		t.Fatalf("after a second recovery:\n%.2000s\nwant:\n%.2000s", got, want)
	}
}

func TestCleanCloseLeavesAFileOthersMayChange(t *testing.T) {
	dir := t.TempDir()
	db := openLoggedT(t, dir, Options{})
	mutate(t, db)
	if _, err := os.Stat(filepath.Join(dir, CheckpointFileName)); err != nil {
		t.Fatalf("an open store has no checkpoint: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, CheckpointFileName)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a clean close left its checkpoint: %v", err)
	}
	// An older spk, or bbolt's tools, change the file.
	b, err := bolt.Open(filepath.Join(dir, FileName), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Update(func(tx *bolt.Tx) error { return tx.Bucket([]byte("a")).Put([]byte("edited"), []byte("by hand")) }); err != nil {
		t.Fatal(err)
	}
	want := dump(t, b)
	b.Close()
	db = openLoggedT(t, dir, Options{})
	defer db.Close()
	if got := dump(t, db.bolt); got != want {
		t.Fatalf("after reopening:\n%s\nwant:\n%s", got, want)
	}
}

func TestOpenAStoreWrittenWithoutALog(t *testing.T) {
	dir := t.TempDir()
	b, err := bolt.Open(filepath.Join(dir, FileName), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Update(func(tx *bolt.Tx) error {
		bk, err := tx.CreateBucket([]byte("kinesis/streams"))
		if err != nil {
			return err
		}
		return bk.Put([]byte("s"), []byte("old"))
	}); err != nil {
		t.Fatal(err)
	}
	want := dump(t, b)
	b.Close()
	db := openLoggedT(t, dir, Options{})
	if got := dump(t, db.bolt); got != want {
		t.Fatalf("got:\n%s\nwant:\n%s", got, want)
	}
	if err := db.Update(func(tx *Tx) error { return tx.Bucket([]byte("kinesis/streams")).Put([]byte("t"), []byte("new")) }); err != nil {
		t.Fatal(err)
	}
	want = dump(t, db.bolt)
	crashed := copyDir(t, dir)
	db.Close()
	again := openLoggedT(t, crashed, Options{})
	defer again.Close()
	if got := dump(t, again.bolt); got != want {
		t.Fatalf("after a crash:\n%s\nwant:\n%s", got, want)
	}
}

func TestDamagedLogOrCheckpointRefusesToOpen(t *testing.T) {
	setup := func(t *testing.T) (dir, want string) {
		dir = t.TempDir()
		db := openLoggedT(t, dir, Options{})
		mutate(t, db)
		want = dump(t, db.bolt)
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		return dir, want
	}
	check := func(t *testing.T, dir, want, msg string) {
		t.Helper()
		_, err := OpenWith(dir, Options{})
		if err == nil || err.Error() != msg {
			t.Fatalf("open: %v\nwant: %s", err, msg)
		}
		b, err := bolt.Open(filepath.Join(dir, FileName), 0o600, &bolt.Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		if got := dump(t, b); got != want {
			t.Fatalf("a refused open changed the store:\n%s\nwant:\n%s", got, want)
		}
	}
	t.Run("a gap in the log", func(t *testing.T) {
		dir, want := setup(t)
		// The store holds records 1..4 (the format's, then mutate's); the log starts at 9.
		rec := encodeRecord(nil, 9, []byte{opCreateBucket, 1, 'z', 0})
		if err := os.WriteFile(filepath.Join(dir, LogFileName), rec, 0o600); err != nil {
			t.Fatal(err)
		}
		check(t, dir, want, "open store "+filepath.Join(dir, FileName)+": replay the write-ahead log: record 9: the log starts at record 9 but the store holds records up to 4 only; the data directory is damaged: move it away to start afresh")
	})
	t.Run("a damaged checkpoint", func(t *testing.T) {
		dir, want := setup(t)
		if err := os.WriteFile(filepath.Join(dir, CheckpointFileName), []byte("spkckpt1 and then garbage"), 0o600); err != nil {
			t.Fatal(err)
		}
		check(t, dir, want, "open store "+filepath.Join(dir, FileName)+": read checkpoint: the checkpoint file is damaged; the data directory is damaged: move it away to start afresh")
	})
}

// TestATruncatedStoreFileRefusesToOpen: a bbolt file cut short (a copy
// stopped halfway, a full disk) is refused with the damaged-directory line
// instead of faulting when bbolt reads past its end, whether its meta
// pages come from a checkpoint (after a crash) or from the file (after a
// clean stop).
func TestATruncatedStoreFileRefusesToOpen(t *testing.T) {
	for _, crash := range []bool{false, true} {
		dir := t.TempDir()
		db := openLoggedT(t, dir, Options{})
		writeGroups(t, db, 0, 3000)
		forceCheckpoint(t, db)
		if crash {
			dir = copyDir(t, dir) // the checkpoint stays, as after kill -9
		}
		db.Close()
		path := filepath.Join(dir, FileName)
		if err := os.Truncate(path, 4*int64(db.pageSize)); err != nil {
			t.Fatal(err)
		}
		_, err := OpenWith(dir, Options{})
		if err == nil || !strings.HasPrefix(err.Error(), "open store "+path+": the file holds 16384 bytes where its last commit needs ") ||
			!strings.HasSuffix(err.Error(), "; the data directory is damaged: move it away to start afresh") {
			t.Fatalf("crash %v: open of a truncated store: %v", crash, err)
		}
	}
}

func TestCheckpointsComeByThemselves(t *testing.T) {
	dir := t.TempDir()
	db := openLoggedT(t, dir, Options{checkpointEvery: 10 * time.Millisecond})
	defer db.Close()
	mutate(t, db)
	// Three records of mutate, after the one of the format open writes: a
	// checkpoint may come between them, so wait for the one covering the
	// last (the file is replaced whole).
	deadline := time.Now().Add(30 * time.Second)
	var cp *checkpoint
	for {
		var err error
		if cp, err = readCheckpoint(dir); err != nil {
			t.Fatal(err)
		}
		if cp != nil && cp.lsn == 4 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no checkpoint of the last write: %v", cp != nil)
		}
		time.Sleep(5 * time.Millisecond) // polling interval; the deadline bounds the wait
	}
	if cp.unprotected {
		t.Fatal("the checkpoint is unprotected")
	}
}

func TestUnprotectedAboveTheSizeLimit(t *testing.T) {
	dir := t.TempDir()
	const limit = 512 << 10
	db := openLoggedT(t, dir, Options{unprotectAt: limit})
	put := func(db *DB, from, n int) {
		t.Helper()
		for i := from; i < from+n; i++ {
			if err := db.Update(func(tx *Tx) error {
				b, err := tx.CreateBucketIfNotExists([]byte("big"))
				if err != nil {
					return err
				}
				return b.Put(fmt.Appendf(nil, "k%05d", i), make([]byte, 4096))
			}); err != nil {
				t.Fatal(err)
			}
		}
	}
	opened := db.Stats().LogSyncs // the format's record
	put(db, 0, 10)
	if !db.logging || db.Stats().LogSyncs != opened+10 {
		t.Fatalf("a small store is not logging: %v, %d log syncs after %d", db.logging, db.Stats().LogSyncs, opened)
	}
	put(db, 10, 200)
	if db.logging || db.bolt.NoSync || db.bolt.NoGrowSync || db.held != nil {
		t.Fatalf("past the limit: logging %v, NoSync %v, NoGrowSync %v, reader held %v", db.logging, db.bolt.NoSync, db.bolt.NoGrowSync, db.held != nil)
	}
	syncs := db.Stats().LogSyncs
	put(db, 210, 10)
	if db.Stats().LogSyncs != syncs {
		t.Fatalf("an unprotected store still logs: %d log syncs, had %d", db.Stats().LogSyncs, syncs)
	}
	cp, err := readCheckpoint(dir)
	if err != nil || cp == nil || !cp.unprotected || cp.metas != nil {
		t.Fatalf("checkpoint %+v, %v; want an unprotected one", cp, err)
	}
	want := dump(t, db.bolt)
	crashed := copyDir(t, dir)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	again := openLoggedT(t, crashed, Options{unprotectAt: limit})
	if got := dump(t, again.bolt); got != want {
		t.Fatal("an unprotected store lost writes in a crash")
	}
	if again.logging {
		t.Fatal("a store opened above the limit logs")
	}
	again.Close()
	// Below the limit (a larger one), the store protects itself again.
	db = openLoggedT(t, dir, Options{})
	defer db.Close()
	if got := dump(t, db.bolt); got != want || !db.logging {
		t.Fatalf("reopened: logging %v, same data %v", db.logging, got == want)
	}
}

// newestMetaPage reads the root bucket's and the freelist's page ids from
// the newest valid meta page of the bbolt file at path.
func newestMetaPage(t *testing.T, path string, pageSize int) (root, freelist uint64) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m := newestMeta(b, pageSize)
	if m == nil {
		t.Fatal("no valid meta page")
	}
	return binary.NativeEndian.Uint64(m[metaRootAt:]), binary.NativeEndian.Uint64(m[metaFreelistAt:])
}

// TestGarbageInTheStoreFileRefusesToOpen: a page of garbage inside a bbolt
// file of the right length made bbolt panic, on opening (the freelist page
// after a clean stop; any page the root reaches after a crash, when bbolt
// rebuilds the freelist on a goroutine of its own) or on the first read
// (the root page after a clean stop), or later, by a background pass or a
// rollback's walk on a goroutine of bbolt's own. spk's walk reads every
// page first, after a clean stop too: each is the damaged-directory line,
// the file is left as it was, and a second open says the same: a refused
// open leaves nothing locked.
func TestGarbageInTheStoreFileRefusesToOpen(t *testing.T) {
	garbageID := fmt.Sprint(uint64(0xA5A5A5A5A5A5A5A5))
	cases := []struct {
		name  string
		crash bool
		page  func(root, freelist uint64) uint64
		want  func(page uint64) string // the error's start after "open store PATH: "
	}{
		{"the freelist page after a clean stop", false,
			func(_, freelist uint64) uint64 { return freelist },
			func(pg uint64) string { return fmt.Sprintf("page %d says it is page %s", pg, garbageID) }},
		{"the root page after a clean stop", false,
			func(root, _ uint64) uint64 { return root },
			func(pg uint64) string { return fmt.Sprintf("page %d says it is page %s", pg, garbageID) }},
		{"the root page after a crash", true,
			func(root, _ uint64) uint64 { return root },
			func(pg uint64) string { return fmt.Sprintf("page %d says it is page %s", pg, garbageID) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			db := openLoggedT(t, dir, Options{})
			mutate(t, db)
			writeGroups(t, db, 0, 200)
			forceCheckpoint(t, db)
			pageSize := db.pageSize
			if c.crash {
				dir = copyDir(t, dir) // the checkpoint stays, as after kill -9
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, FileName)
			root, freelist := newestMetaPage(t, path, pageSize)
			pg := c.page(root, freelist)
			if pg < 2 || pg == ^uint64(0) {
				t.Fatalf("no page to damage: root %d, freelist %d", root, freelist)
			}
			f, err := os.OpenFile(path, os.O_RDWR, 0)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.WriteAt(bytes.Repeat([]byte{0xA5}, pageSize), int64(pg)*int64(pageSize)); err != nil {
				t.Fatal(err)
			}
			f.Close()
			before, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			want := "open store " + path + ": " + c.want(pg) + "; the data directory is damaged: move it away to start afresh"
			for range 2 {
				if _, err := OpenWith(dir, Options{}); err == nil || err.Error() != want {
					t.Fatalf("open of a store with a page of garbage: %v\nwant: %s", err, want)
				}
			}
			after, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(before, after) {
				t.Fatal("a refused open changed the store file")
			}
		})
	}
}

// TestKeysOutOfOrderRefuseToOpen: after a crash bbolt rebuilds the
// freelist and checks the keys' order on the way, panicking on the first
// fault it finds; that is the damaged-directory line too, and the refused
// open releases bbolt's lock on the file, so a second open says the same.
func TestKeysOutOfOrderRefuseToOpen(t *testing.T) {
	dir := t.TempDir()
	db := openLoggedT(t, dir, Options{})
	writeGroups(t, db, 0, 200)
	forceCheckpoint(t, db)
	crashed := copyDir(t, dir)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(crashed, FileName)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte("g0150")) {
		t.Fatal("key g0150 is not in the file")
	}
	if err := os.WriteFile(path, bytes.ReplaceAll(b, []byte("g0150"), []byte("g9150")), 0o600); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		_, err := OpenWith(crashed, Options{})
		if err == nil || !strings.HasPrefix(err.Error(), "open store "+path+": a page of its file cannot be read (bbolt: freepages: failed to get all reachable pages (") ||
			!strings.HasSuffix(err.Error(), "); the data directory is damaged: move it away to start afresh") {
			t.Fatalf("open of a store with keys out of order: %v", err)
		}
	}
}

// TestDamagedLogIsRefusedNotCutShort: after a crash the log's run ended at
// its first unreadable record, taken for the torn last one; a byte flipped
// in a record with whole ones after it, a log cut short or a missing log
// (with a checkpoint relying on it) dropped the writes acknowledged after
// that point without a word. Each is refused now, with nothing changed,
// while a torn last record still recovers everything before it.
func TestDamagedLogIsRefusedNotCutShort(t *testing.T) {
	crashed := func(t *testing.T) (dir string, records []int64) {
		t.Helper()
		live := t.TempDir()
		db := openLoggedT(t, live, Options{})
		writeGroups(t, db, 0, 50)
		forceCheckpoint(t, db)
		for i := range 20 { // one record each, after the checkpoint
			if err := db.Update(func(tx *Tx) error {
				b, err := tx.CreateBucketIfNotExists([]byte("after"))
				if err != nil {
					return err
				}
				return b.Put(fmt.Appendf(nil, "a%02d", i), []byte("v"))
			}); err != nil {
				t.Fatal(err)
			}
		}
		dir = copyDir(t, live)
		db.Close()
		var offs []int64
		f, err := os.Open(filepath.Join(dir, LogFileName))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if _, _, err := scan(f, func(uint64, []byte) error { return nil }); err != nil {
			t.Fatal(err)
		}
		for off := int64(0); ; {
			_, _, next, err := readRecord(f, off, walChunk, 0)
			if err != nil || next == off {
				break
			}
			offs = append(offs, off)
			off = next
		}
		if len(offs) < 20 {
			t.Fatalf("the log holds %d records, want 20 or more", len(offs))
		}
		return dir, offs
	}
	// A refused open leaves the log and the checkpoint as they were (the
	// checkpoint's meta pages may have been written back into the bbolt
	// file first, as every recovery does).
	refused := func(t *testing.T, dir, want string) {
		t.Helper()
		before := snapshot(t, dir)
		_, err := OpenWith(dir, Options{})
		if err == nil || !strings.Contains(err.Error(), want) || !strings.HasSuffix(err.Error(), "; the data directory is damaged: move it away to start afresh") {
			t.Fatalf("open: %v\nwant it to say %q and that the directory is damaged", err, want)
		}
		if after := snapshot(t, dir); after != before {
			t.Fatal("a refused open changed the data directory")
		}
	}
	t.Run("a byte flipped inside a record", func(t *testing.T) {
		dir, offs := crashed(t)
		f, err := os.OpenFile(filepath.Join(dir, LogFileName), os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		at := offs[10] + walHeader + 2 // in the payload of the eleventh record
		b := []byte{0}
		f.ReadAt(b, at)
		b[0] ^= 0xFF
		f.WriteAt(b, at)
		f.Close()
		refused(t, dir, fmt.Sprintf("at offset %d cannot be read, but record ", offs[10]))
	})
	t.Run("the log cut short", func(t *testing.T) {
		dir, offs := crashed(t)
		if err := os.Truncate(filepath.Join(dir, LogFileName), offs[10]+5); err != nil {
			t.Fatal(err)
		}
		refused(t, dir, "is cut short ("+fmt.Sprint(offs[10]+5)+" bytes)")
	})
	t.Run("the log missing", func(t *testing.T) {
		dir, _ := crashed(t)
		if err := os.Remove(filepath.Join(dir, LogFileName)); err != nil {
			t.Fatal(err)
		}
		refused(t, dir, "is missing, though the last stop was not clean")
	})
	// keysAfter opens dir, which must open, and counts the keys written
	// after the checkpoint.
	keysAfter := func(t *testing.T, dir string) int {
		t.Helper()
		db, err := OpenWith(dir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var n int
		db.View(func(tx *Tx) error {
			if b := tx.Bucket([]byte("after")); b != nil {
				n = b.Stats().KeyN
			}
			return nil
		})
		return n
	}
	writeLog := func(t *testing.T, dir string, b []byte, at int64) {
		t.Helper()
		f, err := os.OpenFile(filepath.Join(dir, LogFileName), os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if _, err := f.WriteAt(b, at); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("a torn last record", func(t *testing.T) {
		dir, offs := crashed(t)
		writeLog(t, dir, []byte{0xFF}, offs[19]+walHeader) // its payload, as a torn write leaves it
		if n := keysAfter(t, dir); n != 19 {
			t.Fatalf("after a torn last record: %d keys of 20 written, want the 19 before it", n)
		}
	})
	// Neither of these is damage, and both were refused by a first version
	// of the checks: a grow of the log that a crash or a full disk stopped
	// halfway (the log grows a piece at a time), and an older record's
	// payload past the run that holds what looks like a later record (a
	// user's bytes are kept as they are).
	t.Run("a log grown halfway", func(t *testing.T) {
		dir, _ := crashed(t)
		writeLog(t, dir, make([]byte, 256<<10), walChunk)
		if n := keysAfter(t, dir); n != 20 {
			t.Fatalf("after a grow stopped halfway: %d keys of 20 written", n)
		}
	})
	t.Run("a later record's look-alike in an old payload", func(t *testing.T) {
		dir, offs := crashed(t)
		f, err := os.Open(filepath.Join(dir, LogFileName))
		if err != nil {
			t.Fatal(err)
		}
		end, last, err := scan(f, func(uint64, []byte) error { return nil })
		f.Close()
		if err != nil || end != offs[19]+int64(len(encodeRecord(nil, 0, nil)))+int64(len(mustRead(t, dir, offs[19]))) {
			t.Fatalf("the run ends at %d (%v), want after the twentieth record", end, err)
		}
		writeLog(t, dir, encodeRecord(nil, last+2, []byte("a user's bytes")), end+100)
		if n := keysAfter(t, dir); n != 20 {
			t.Fatalf("with a look-alike past the run: %d keys of 20 written", n)
		}
	})
}

// mustRead is the payload of the log record at off in dir.
func mustRead(t *testing.T, dir string, off int64) []byte {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, LogFileName))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	_, payload, _, err := readRecord(f, off, walChunk, 0)
	if err != nil {
		t.Fatal(err)
	}
	return payload
}

// snapshot is the log and the checkpoint of dir, sizes and contents, as one
// string.
func snapshot(t *testing.T, dir string) string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	for _, e := range entries {
		if e.Name() != LogFileName && e.Name() != CheckpointFileName {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&sb, "%s %d %x\n", e.Name(), len(b), sha256.Sum256(b))
	}
	return sb.String()
}

// TestUnreadableFilesSayWhatToDo: a store file that is not one (text in
// its place) and a log that is a directory were refused with bbolt's or
// the system's words alone; each says the directory is damaged and what to
// do about it.
func TestUnreadableFilesSayWhatToDo(t *testing.T) {
	t.Run("text for the store file", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, FileName)
		if err := os.WriteFile(path, bytes.Repeat([]byte("not a store\n"), 1000), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := OpenWith(dir, Options{})
		want := "open store " + path + ": invalid database: it is not a store, or a damaged one; the data directory is damaged: move it away to start afresh"
		if err == nil || err.Error() != want {
			t.Fatalf("open: %v\nwant: %s", err, want)
		}
	})
	t.Run("a directory for the log", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.Mkdir(filepath.Join(dir, LogFileName), 0o700); err != nil {
			t.Fatal(err)
		}
		_, err := OpenWith(dir, Options{})
		walPath := filepath.Join(dir, LogFileName)
		if err == nil || !strings.HasPrefix(err.Error(), "open write-ahead log "+walPath+": ") ||
			!strings.HasSuffix(err.Error(), ": is a directory; the data directory is damaged: move it away to start afresh") {
			t.Fatalf("open: %v", err)
		}
	})
}

// TestFaultingPagesRefuseToOpen: a page whose count or element positions
// send bbolt past the file's end made the process fault (SIGBUS, a stack
// trace) rather than panic: after a clean stop, on the first read of the
// root; after a crash, in bbolt's own walk. spk's walk reads every page
// first either way: each is the damaged-directory line.
func TestFaultingPagesRefuseToOpen(t *testing.T) {
	for _, c := range []struct {
		name   string
		crash  bool
		damage func(page []byte)
		want   func(path string, root uint64) string // the error's start
	}{
		{"a root page's count after a clean stop", false,
			func(page []byte) { binary.NativeEndian.PutUint16(page[10:], 0xFFFF) },
			func(path string, root uint64) string {
				return fmt.Sprintf("open store %s: page %d holds more elements than fit in it", path, root)
			}},
		{"an element's position after a crash", true,
			func(page []byte) { binary.NativeEndian.PutUint32(page[pageHeaderSize+4:], 0x7ffffff0) },
			func(path string, root uint64) string {
				return fmt.Sprintf("open store %s: page %d holds a key or value outside it", path, root)
			}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			db := openLoggedT(t, dir, Options{})
			mutate(t, db)
			forceCheckpoint(t, db)
			pageSize := db.pageSize
			if c.crash {
				dir = copyDir(t, dir)
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, FileName)
			root, _ := newestMetaPage(t, path, pageSize)
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			page := b[root*uint64(pageSize) : (root+1)*uint64(pageSize)]
			if flags := binary.NativeEndian.Uint16(page[8:]); flags != leafPage {
				t.Fatalf("the root page is not a leaf (flags %#x)", flags)
			}
			c.damage(page)
			if err := os.WriteFile(path, b, 0o600); err != nil {
				t.Fatal(err)
			}
			for range 2 {
				_, err := OpenWith(dir, Options{})
				if err == nil || !strings.HasPrefix(err.Error(), c.want(path, root)) || !strings.HasSuffix(err.Error(), "; the data directory is damaged: move it away to start afresh") {
					t.Fatalf("open: %v\nwant it to begin %q", err, c.want(path, root))
				}
			}
		})
	}
}

// TestARefusedRecoveryLeavesTheFileAsFound: after an unclean stop, another
// program (an spk from before the log, bbolt's tools) changed the file and
// reused the checkpoint's pages; the open that finds the checkpoint's tree
// gone refuses, and leaves the file as that program left it, readable by
// it, where the checkpoint's metas written over it destroyed its work.
func TestARefusedRecoveryLeavesTheFileAsFound(t *testing.T) {
	dir := t.TempDir()
	db := openLoggedT(t, dir, Options{})
	defer db.Close()
	writeGroups(t, db, 0, 300)
	forceCheckpoint(t, db)
	writeGroups(t, db, 300, 50)
	crashed := copyDir(t, dir)

	// The other program sees the file as the crash left it, and rewrites
	// much of it, freeing and reusing pages.
	path := filepath.Join(crashed, FileName)
	b, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	for round := range 3 {
		if err := b.Update(func(tx *bolt.Tx) error {
			if tx.Bucket([]byte("groups")) != nil {
				if err := tx.DeleteBucket([]byte("groups")); err != nil {
					return err
				}
			}
			bk, err := tx.CreateBucketIfNotExists([]byte("theirs"))
			if err != nil {
				return err
			}
			for i := range 400 {
				if err := bk.Put(fmt.Appendf(nil, "k%d-%04d", round, i), bytes.Repeat([]byte{'x'}, 700)); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	want := dump(t, b)
	b.Close()
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}

	if again, err := OpenWith(crashed, Options{}); err == nil {
		again.Close()
		t.Fatal("the open recovered over a file another program had changed since the crash")
	} else if !strings.Contains(err.Error(), "move it away to start afresh") {
		t.Fatalf("refused with %v, want the damaged directory's line", err)
	}
	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Fatal("the refused open changed the file the other program left")
	}
	b, err = bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatalf("the other program cannot open its file again: %v", err)
	}
	defer b.Close()
	if got := dump(t, b); got != want {
		t.Fatal("the other program's data changed")
	}
}
